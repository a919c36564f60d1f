//! The HTTP abuse suite (issue 12): a real `skillsync serve` process is fed fuzzed paths and
//! queries, malformed headers, oversized and hostile bodies, and racing decisions. Every answer
//! is recorded; afterwards no answer may be a 5xx, nothing a refused request sent may be in
//! force, `/metrics` must parse with a strict OpenMetrics parser, and the process must stay small.
//! Everything is a fixed table or a seeded generator: the same requests on every run.

mod bodies;
mod decisions;

mod fuzz;
mod headers;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{database_url, small_org, spawn_sim, INGEST_TOKEN};
use crate::serve_process::{free_port, start_serve_with, Serve};

/// A read token (reads need one once any is configured, so that bad `Authorization` headers
/// are refused on reads too).
pub const READ_TOKEN: &str = "abuse-suite-read-token";

/// The feed every target starts from: four agents, one of each assignment type.
pub const FEED: &str = "agent,type,name,proficiency,issued_on,expires_on
agent00001@example.com,skill,Billing_L1,3,,
agent00002@example.com,skill,Billing_L1,2,,
agent00003@example.com,language,German,4,,
agent00004@example.com,certification,PCI,,2026-01-01T00:00:00Z,2099-01-01T00:00:00Z
";

/// A `skillsync serve` process under attack, and every answer it gave.
pub struct Target {
    pub serve: Serve,
    pub metrics: String,
    pub http: reqwest::Client,
    answers: Mutex<Vec<(String, u16)>>,
    /// Feeds stored by the answers, by status: a rejected feed is kept with its errors and an
    /// unchanged one is recorded; nothing else may be.
    stored: Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Target {
    /// Starts the process against a fresh simulator with a 1 MB body limit (so that 413 is
    /// cheap to reach), a read token, and the given extra settings.
    pub async fn start(db: &str, sim: &crate::helpers::TestSim, env: &[(&str, &str)]) -> Self {
        let metrics_listen = format!("127.0.0.1:{}", free_port());
        let mut all = vec![
            ("SKILLSYNC__SERVER__BODY_LIMIT_MB", "1"),
            ("SKILLSYNC__SERVER__READ_TOKENS__GRAFANA", READ_TOKEN),
            ("SKILLSYNC__SERVER__METRICS_LISTEN", metrics_listen.as_str()),
        ];
        all.extend_from_slice(env);
        let serve = start_serve_with(sim, db, free_port(), &all).await;
        Self {
            serve,
            metrics: format!("http://{metrics_listen}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
            answers: Mutex::new(Vec::new()),
            stored: Mutex::new(Default::default()),
        }
    }

    /// `host:port` of the API listener.
    pub fn addr(&self) -> String {
        self.serve.base.trim_start_matches("http://").to_string()
    }

    /// Records an answer to a request described by `what`.
    pub fn record(&self, what: impl Into<String>, status: u16) {
        self.answers
            .lock()
            .expect("answers")
            .push((what.into(), status));
    }

    /// Sends a request as given (`path` may hold any bytes a URL can carry), records and
    /// returns its status and body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.serve.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let resp = request.body(body).send().await.expect("sent");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        self.record(format!("{method} {}", cut(path)), status.as_u16());
        if method == Method::POST && path.starts_with("/v1/feeds") {
            self.count_stored(&text);
        }
        (status, text)
    }

    /// Counts the feed an ingest answer says was stored.
    pub fn count_stored(&self, answer: &str) {
        let answer: Value = serde_json::from_str(answer).unwrap_or_default();
        let status = match (answer["status"].as_str(), answer["error"]["code"].as_str()) {
            (Some(status), _) => status.to_string(),
            (_, Some("invalid_feed")) => "rejected".into(),
            _ => return,
        };
        *self
            .stored
            .lock()
            .expect("stored")
            .entry(status)
            .or_default() += 1;
    }

    /// A GET with the ingest token that must succeed; its JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let (status, text) = self
            .send(Method::GET, path, Some(INGEST_TOKEN), None, Vec::new())
            .await;
        assert!(status.is_success(), "GET {path} -> {status}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// Every answer that was a server error.
    pub fn server_errors(&self) -> Vec<(String, u16)> {
        let answers = self.answers.lock().expect("answers");
        answers.iter().filter(|(_, s)| *s >= 500).cloned().collect()
    }

    /// How many answers were recorded.
    pub fn answered(&self) -> usize {
        self.answers.lock().expect("answers").len()
    }

    /// Resident memory of the process, in MB.
    pub fn rss_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.serve.child.id()))
            .expect("the process is alive");
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kb / 1024
    }

    /// What the daemon keeps: feeds by status, jobs, audit entries, and the desired state in
    /// force (certifications and drift totals stand in for it).
    pub async fn state(&self) -> Value {
        let feeds = self.get_json("/v1/feeds?limit=1000").await;
        let mut by_status = std::collections::BTreeMap::<String, u64>::new();
        for feed in feeds["feeds"].as_array().expect("feeds") {
            *by_status
                .entry(feed["status"].as_str().unwrap_or_default().into())
                .or_default() += 1;
        }
        let jobs = self.get_json("/v1/jobs?limit=1").await;
        let audit = self.get_json("/v1/audit?limit=1000").await;
        let certs = self
            .get_json("/v1/certifications/expiring?within=36500d")
            .await;
        serde_json::json!({
            "feeds": by_status,
            "jobs": jobs["total"],
            "audit": audit["entries"].as_array().map(Vec::len),
            "certifications": certs["items"],
            "agent": self.get_json("/v1/agents/agent00001@example.com").await["desired"],
        })
    }

    /// The metrics exposition, parsed by a strict OpenMetrics parser.
    pub async fn metrics_parse(&self) -> String {
        let resp = self
            .http
            .get(format!("{}/metrics", self.metrics))
            .send()
            .await
            .expect("metrics");
        assert_eq!(resp.status(), StatusCode::OK);
        let text = resp.text().await.expect("text");
        if let Err(e) =
            openmetrics_parser::openmetrics::parse_openmetrics(&without_empty_families(&text))
        {
            panic!("/metrics is not valid OpenMetrics: {e:?}\n{text}");
        }
        text
    }
}

/// The exposition without the descriptors of families that have no sample yet. OpenMetrics
/// allows such a family (a labelled counter before its first increment), but the parser's
/// grammar reads the next family's descriptors as its own and fails; every sample, label and
/// escape is still parsed strictly.
fn without_empty_families(text: &str) -> String {
    let family = |line: &str| line.split(' ').nth(2).map(str::to_string);
    let mut out = String::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line.starts_with("# UNIT ")
        {
            if pending.first().and_then(|p| family(p)) != family(line) {
                pending.clear();
            }
            pending.push(line);
            continue;
        }
        if !line.starts_with('#') {
            for descriptor in pending.drain(..) {
                out.push_str(descriptor);
                out.push('\n');
            }
        }
        pending.clear();
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `text`, cut to a readable length for failure messages.
pub fn cut(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Sends raw bytes on a new connection; the status line's code, or None when the server
/// closed the connection without an answer.
pub fn raw(addr: &str, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // The server may answer and close before reading everything; a reset is then expected.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

/// Like [`raw`], but the whole request must be taken: a write that fails (the server closed
/// the connection on a body it had not read) fails the test.
pub fn raw_whole(addr: &str, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(request)
        .expect("the server read the whole request before closing");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the answer");
    let line = String::from_utf8_lossy(&answer);
    line.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

#[sqlx::test(migrations = false)]
async fn abuse_of_every_endpoint_gets_4xx_changes_nothing_and_keeps_the_process_small(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let started = std::time::Instant::now();
    let sim = spawn_sim(small_org()).await;
    let target = Target::start(&database_url(&db), &sim, &[]).await;
    let (status, text) = target
        .send(
            Method::POST,
            "/v1/feeds?source=hr",
            Some(INGEST_TOKEN),
            Some("text/csv"),
            FEED.into(),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    let job = answer["job_id"].as_i64().expect("job id");
    for _ in 0..200 {
        let status = target.get_json(&format!("/v1/jobs/{job}")).await["job"]["status"].clone();
        if status == "succeeded" {
            break;
        }
        assert!(status != "failed" && status != "held", "{status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let baseline = target.rss_mb();
    let before = target.state().await;
    target.stored.lock().expect("stored").clear();

    fuzz::paths_and_queries(&target).await;
    headers::malformed_headers(&target).await;
    bodies::hostile_bodies(&target).await;

    let after = target.state().await;
    let mut expected = before.clone();
    for (status, count) in target.stored.lock().expect("stored").iter() {
        let now = expected["feeds"][status].as_u64().unwrap_or(0) + count;
        expected["feeds"][status] = now.into();
    }
    assert_eq!(
        after, expected,
        "refused requests changed what the daemon keeps (a rejected feed is stored with its \
         errors, nothing else)"
    );
    let errors = target.server_errors();
    assert!(
        errors.is_empty(),
        "{} of {} answers were 5xx: {errors:#?}",
        errors.len(),
        target.answered()
    );
    target.metrics_parse().await;
    let rss = target.rss_mb();
    assert!(
        rss < 300 && rss < baseline + 150,
        "resident memory {rss} MB after the abuse ({baseline} MB before)"
    );
    eprintln!(
        "abuse: {} requests, RSS {baseline} -> {rss} MB, {:?}",
        target.answered(),
        started.elapsed()
    );
}
