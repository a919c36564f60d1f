//! `skillsync serve` as a separate process, for tests that kill it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestSim, INGEST_TOKEN};

pub struct Serve {
    pub child: Child,
    pub base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub async fn start_serve(sim: &TestSim, db: &str, port: u16) -> Serve {
    start_serve_with(sim, db, port, &[]).await
}

/// Like [`start_serve`], with extra environment variables.
pub async fn start_serve_with(sim: &TestSim, db: &str, port: u16, env: &[(&str, &str)]) -> Serve {
    let child = Command::new(env!("CARGO_BIN_EXE_skillsync"))
        .arg("serve")
        .env("SKILLSYNC__DATABASE__URL", db)
        .env("SKILLSYNC__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("SKILLSYNC__SERVER__METRICS_LISTEN", "127.0.0.1:0")
        .env("SKILLSYNC__SERVER__INGEST_TOKENS__WFM", INGEST_TOKEN)
        .env("SKILLSYNC__SERVER__GRACE_PERIOD_SECS", "10")
        .env("SKILLSYNC__PLATFORM__BASE_URL", &sim.base)
        .env("SKILLSYNC__PLATFORM__REQUESTS_PER_MINUTE", "100000")
        .env("SKILLSYNC__PLATFORM__MAX_CONCURRENCY", "2")
        .env("SKILLSYNC__RECONCILE__SETTLE_SECS", "0.2")
        .env("SKILLSYNC__RECONCILE__LEASE_SECS", "2")
        .env("SKILLSYNC__RECONCILE__SCAN_CRON", "0 0 0 1 1 *")
        .env("SKILLSYNC__SAFETY__MAX_DESTRUCTIVE_PERCENT", "100")
        .env("SKILLSYNC__LOG__LEVEL", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .expect("skillsync serve starts");
    let serve = Serve {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http
            .get(format!("{}/healthz", serve.base))
            .send()
            .await
            .is_ok()
        {
            return serve;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("skillsync serve did not answer");
}

pub async fn job_status(http: &reqwest::Client, base: &str, id: i64) -> String {
    job_status_under(http, &format!("{base}/v1"), id).await
}

/// The status of job `id` under an API prefix (`…/v1` or `…/v1/orgs/NAME`).
pub async fn job_status_under(http: &reqwest::Client, prefix: &str, id: i64) -> String {
    let job: Value = http
        .get(format!("{prefix}/jobs/{id}"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    job["job"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Posts a CSV feed with the ingest token; returns the job it queued.
pub async fn post_csv(http: &reqwest::Client, base: &str, csv: String, scope: &str) -> i64 {
    post_csv_under(http, &format!("{base}/v1"), csv, scope).await
}

/// [`post_csv`] under an API prefix (`…/v1` or `…/v1/orgs/NAME`).
pub async fn post_csv_under(http: &reqwest::Client, prefix: &str, csv: String, scope: &str) -> i64 {
    let answer = http
        .post(format!("{prefix}/feeds?scope={scope}"))
        .bearer_auth(INGEST_TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    answer["job_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no job id: {answer}"))
}

/// Posts a feed changing 24 agents' Billing_L1 while `sim` answers every call 300 ms late, so
/// that the job lasts seconds; with the simulator's counters reset first.
pub async fn post_slow_feed(http: &reqwest::Client, prefix: &str, sim: &TestSim) -> i64 {
    sim.set_faults(serde_json::json!({"latency_ms": 300})).await;
    sim.reset_stats().await;
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=24 {
        csv.push_str(&format!("agent{n:05}@example.com,skill,Billing_L1,1\n"));
    }
    post_csv_under(http, prefix, csv, "partial").await
}

/// Waits up to `within` for job `id` under `prefix` to succeed or fail; its last status.
pub async fn wait_job_under(
    http: &reqwest::Client,
    prefix: &str,
    id: i64,
    within: Duration,
) -> String {
    let deadline = std::time::Instant::now() + within;
    let mut status = String::new();
    while std::time::Instant::now() < deadline {
        status = job_status_under(http, prefix, id).await;
        if status == "succeeded" || status == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

/// A GET answered with JSON.
pub async fn get_json(http: &reqwest::Client, base: &str, path: &str) -> Value {
    http.get(format!("{base}{path}"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

/// A `skillsync serve` replica and its metrics address.
pub struct Replica {
    pub serve: Serve,
    pub metrics: String,
}

/// Starts a replica on `db` with a metrics listener of its own and the extra variables `env`.
pub async fn replica(sim: &TestSim, db: &str, env: &[(&str, &str)]) -> Replica {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut vars = vec![("SKILLSYNC__SERVER__METRICS_LISTEN", listen.as_str())];
    vars.extend_from_slice(env);
    let serve = start_serve_with(sim, db, free_port(), &vars).await;
    Replica {
        serve,
        metrics: format!("http://{listen}/metrics"),
    }
}

/// The orgs a replica says it works (`skillsync_leader{org=…} 1`); `None` when it does not
/// answer.
pub async fn working(
    http: &reqwest::Client,
    replica: &Replica,
) -> Option<std::collections::BTreeSet<String>> {
    let text = http
        .get(&replica.metrics)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    Some(
        text.lines()
            .filter(|l| l.starts_with("skillsync_leader{") && l.ends_with(" 1"))
            .filter_map(|l| l.split("org=\"").nth(1)?.split('"').next())
            .map(str::to_owned)
            .collect(),
    )
}
