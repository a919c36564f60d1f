//! Test scaffolding: a simulator on a free port, an authenticated client, and assertions on the
//! platform's error shape.

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use skillsync::sim::stats::StatsReport;
use skillsync::sim::{Faults, SimConfig, Simulator};

/// A running simulator and a client holding a token for it.
pub struct TestSim {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
    shutdown: CancellationToken,
}

impl Drop for TestSim {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A small org with no faults and no rate limit, unless the caller changes it.
pub fn small_org() -> SimConfig {
    SimConfig {
        listen: "127.0.0.1:0".into(),
        agents: 20,
        skills: 60,
        languages: 8,
        seed: 42,
        faults: Faults::none(),
        ..SimConfig::default()
    }
}

/// A simulator of `config.platform` on a free port, and a client logged in to it.
pub async fn spawn_sim(config: SimConfig) -> TestSim {
    let config_platform = config.platform;
    let sim = Simulator::build(config).await.expect("simulator builds");
    let base = sim.base_url();
    let shutdown = CancellationToken::new();
    tokio::spawn(sim.run_until_stopped(shutdown.clone()));
    let http = reqwest::Client::new();
    let login = match config_platform {
        skillsync::sim::SimPlatform::Genesys => {
            fetch_token(&http, &base, "skillsync-sim", "skillsync-sim-secret").await
        }
        skillsync::sim::SimPlatform::Cxone => {
            crate::cxone_helpers::cx_token(&http, &base, "skillsync-sim", "skillsync-sim-secret")
                .await
        }
    };
    let token = login.json::<Value>().await.expect("token json")["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    TestSim::running(base, http, token, shutdown)
}

pub async fn fetch_token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> Response {
    http.post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request")
}

impl TestSim {
    /// A simulator already running at `base`, stopped with `shutdown` when dropped.
    pub fn running(
        base: String,
        http: reqwest::Client,
        token: String,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            base,
            http,
            token,
            shutdown,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An authenticated request.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.call(Method::GET, path, None).await
    }

    /// An authenticated call that must succeed; returns its JSON (Null for an empty body).
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let resp = self.call(method.clone(), path, body).await;
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert!(status.is_success(), "{method} {path} -> {status}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("json body")
        }
    }

    pub async fn set_faults(&self, faults: Value) -> Value {
        let resp = self
            .http
            .post(self.url("/sim/faults"))
            .json(&faults)
            .send()
            .await
            .expect("faults");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("faults json")
    }

    pub async fn stats(&self) -> StatsReport {
        self.http
            .get(self.url("/sim/stats"))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats json")
    }

    pub async fn reset_stats(&self) {
        self.http
            .post(self.url("/sim/stats/reset"))
            .send()
            .await
            .expect("reset");
    }

    /// The true state of a user, ignoring lag and expansion faults.
    pub async fn truth(&self, user_id: &str) -> Value {
        self.http
            .get(self.url(&format!("/sim/users/{user_id}")))
            .send()
            .await
            .expect("truth")
            .json()
            .await
            .expect("truth json")
    }

    /// Ids of all users, in listing order.
    pub async fn user_ids(&self) -> Vec<String> {
        let page = self
            .ok(Method::GET, "/api/v2/users?pageSize=500", None)
            .await;
        page["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(|u| u["id"].as_str().expect("id").to_string())
            .collect()
    }

    /// Active skill definitions as (id, name).
    /// Defines skills `names` (in the home division).
    pub async fn define_skills(&self, names: &[&str]) {
        for name in names {
            self.ok(
                Method::POST,
                "/api/v2/routing/skills",
                Some(serde_json::json!({ "name": name })),
            )
            .await;
        }
    }

    /// A division besides the home one.
    pub async fn other_division(&self) -> Value {
        let divisions = self
            .ok(Method::GET, "/api/v2/authorization/divisions", None)
            .await;
        divisions["entities"]
            .as_array()
            .expect("divisions")
            .iter()
            .find(|d| d["homeDivision"] != Value::Bool(true))
            .expect("a division besides the home one")
            .clone()
    }

    pub async fn skills(&self) -> Vec<(String, String)> {
        let page = self
            .ok(Method::GET, "/api/v2/routing/skills?pageSize=500", None)
            .await;
        page["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .filter(|s| s["state"] == "active")
            .map(|s| {
                (
                    s["id"].as_str().expect("id").into(),
                    s["name"].as_str().expect("name").into(),
                )
            })
            .collect()
    }

    pub async fn languages(&self) -> Vec<(String, String)> {
        let page = self
            .ok(Method::GET, "/api/v2/routing/languages?pageSize=500", None)
            .await;
        page["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().expect("id").into(),
                    s["name"].as_str().expect("name").into(),
                )
            })
            .collect()
    }

    /// A user that holds between `min` and `max` skills.
    pub async fn user_with_skill_count(&self, min: usize, max: usize) -> (String, Vec<String>) {
        for id in self.user_ids().await {
            let held = skill_ids(&self.truth(&id).await);
            if (min..=max).contains(&held.len()) {
                return (id, held);
            }
        }
        panic!("no user with {min}..={max} skills in the seeded org");
    }
}

/// Skill ids held according to a `/sim/users/{id}` body.
pub fn skill_ids(truth: &Value) -> Vec<String> {
    truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

/// Asserts the platform's `ErrorBody`: status, code, and a `contextId` equal to the
/// `ININ-Correlation-Id` header. Returns the body.
pub async fn assert_error(resp: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), status, "unexpected status");
    let header = resp
        .headers()
        .get("inin-correlation-id")
        .expect("correlation header")
        .to_str()
        .expect("ascii")
        .to_string();
    let body: Value = resp.json().await.expect("error body is json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["contextId"], json!(header), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

/// Settings that point skillsync at this simulator, with short settle times.
pub fn settings_for(sim: &TestSim) -> skillsync::config::Settings {
    let mut settings = skillsync::config::Settings::defaults().expect("defaults");
    settings.platform.base_url = sim.base.clone();
    settings.platform.requests_per_minute = 100_000;
    settings.reconcile.settle_secs = 0.05;
    settings
}

/// A desired state from CSV text, read as any feed is.
pub fn desired(csv: &str, scope: skillsync::domain::FeedScope) -> skillsync::domain::DesiredState {
    desired_on(csv, scope, "genesys")
}

/// A desired state from CSV text, read as feeds for a `kind` platform are.
pub fn desired_on(
    csv: &str,
    scope: skillsync::domain::FeedScope,
    kind: &str,
) -> skillsync::domain::DesiredState {
    use skillsync::feed::{read, FeedFormat, FeedRules, FeedSettings, FeedSource};
    let granularity = skillsync::platform::scales::granularity_for(kind).expect("a platform");
    let rules = FeedRules::from_settings(&FeedSettings::default(), &granularity).expect("rules");
    let source = FeedSource {
        name: "test.csv".into(),
        format: FeedFormat::Csv,
        scope,
    };
    read(csv.as_bytes(), &source, &rules)
        .expect("valid feed")
        .state
}

/// Runs one apply of `state` against the configured platform.
pub async fn apply(
    settings: &skillsync::config::Settings,
    state: &skillsync::domain::DesiredState,
    approve: bool,
) -> (
    Result<skillsync::cli::apply::ApplyReport, skillsync::cli::apply::ApplyError>,
    skillsync::platform::CallCounts,
) {
    use skillsync::platform::Platform;
    let platform =
        skillsync::platform::Connector::from_settings(&settings.platform).expect("connector");
    let policy =
        skillsync::cli::policy_for(settings, state, platform.granularity()).expect("policy");
    let options = skillsync::cli::apply::Options {
        policy: &policy,
        safety: &settings.safety,
        reconcile: &settings.reconcile,
        approve,
        concurrency: settings.platform.max_concurrency,
    };
    let result = skillsync::cli::apply::run(
        &platform,
        &skillsync::platform::NoJournal,
        state,
        &options,
        &|_| {},
    )
    .await;
    (result, platform.calls())
}

/// The true skills of `users` as (name, proficiency), by user id, read through the admin
/// endpoint so that injected faults do not get in the way.
pub async fn all_skills(
    sim: &TestSim,
    users: &[String],
) -> std::collections::BTreeMap<String, Vec<(String, f64)>> {
    let mut out = std::collections::BTreeMap::new();
    for id in users {
        let truth = sim.truth(id).await;
        let mut skills: Vec<(String, f64)> = truth["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().expect("name").to_string(),
                    s["proficiency"].as_f64().expect("proficiency"),
                )
            })
            .collect();
        skills.sort_by(|a, b| a.0.cmp(&b.0));
        out.insert(id.clone(), skills);
    }
    out
}

/// Asserts that no assignment outside `managed` changed between two `all_skills` snapshots.
pub fn assert_unmanaged_untouched(
    before: &std::collections::BTreeMap<String, Vec<(String, f64)>>,
    after: &std::collections::BTreeMap<String, Vec<(String, f64)>>,
    managed: &[&str],
) {
    for (user, skills) in before {
        let keep = |list: &Vec<(String, f64)>| -> Vec<(String, f64)> {
            list.iter()
                .filter(|(n, _)| !managed.contains(&n.as_str()))
                .cloned()
                .collect()
        };
        assert_eq!(
            keep(skills),
            keep(&after[user]),
            "unmanaged skills of {user} changed"
        );
    }
}

/// Asserts the replace-all endpoint was never called.
pub fn assert_no_replace_all(stats: &StatsReport) {
    assert!(
        stats
            .requests
            .iter()
            .all(|r| !(r.method == "PUT" && r.path.ends_with("/bulk"))),
        "PUT …/bulk was used: {:?}",
        stats.requests
    );
}

/// A running `skillsync serve` (in-process) against a simulator and its own database.
pub struct TestDaemon {
    pub base: String,
    pub metrics: String,
    pub http: reqwest::Client,
    /// The org the unscoped `/v1/…` paths mean (the only one, in most tests).
    pub ctx: std::sync::Arc<skillsync::app::OrgRuntime>,
    shutdown: CancellationToken,
    done: Option<tokio::task::JoinHandle<()>>,
}

pub const INGEST_TOKEN: &str = "test-ingest-token";

/// The URL of the fresh database `#[sqlx::test]` made for this test.
pub fn database_url(opts: &sqlx::postgres::PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap_or("postgres")
    )
}

/// Daemon settings for tests: the simulator, the given database, free ports, short timings, no
/// scheduled scans.
pub fn daemon_settings(sim: &TestSim, database_url: &str) -> skillsync::config::Settings {
    let mut settings = settings_for(sim);
    settings.database.url = skillsync::config::Secret::from(database_url);
    settings.server.listen = "127.0.0.1:0".into();
    settings.server.metrics_listen = "127.0.0.1:0".into();
    settings.server.grace_period_secs = 5;
    settings.server.ingest_tokens.insert(
        "wfm".into(),
        skillsync::config::Secret::from(INGEST_TOKEN).into(),
    );
    // The small seeded org trips the percentage threshold on any first feed; holds are tested
    // on purpose with max_destructive = 0.
    settings.safety.max_destructive_percent = 100.0;
    settings.reconcile.settle_secs = 0.2;
    settings.reconcile.lease_secs = 3.0;
    settings.reconcile.retry_base_secs = 0.2;
    // Once a year: scans in tests are started through the API.
    settings.reconcile.scan_cron = "0 0 0 1 1 *".into();
    settings
}

pub async fn spawn_daemon(settings: skillsync::config::Settings) -> TestDaemon {
    let app = skillsync::app::Application::build(settings)
        .await
        .expect("daemon builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics = format!("http://127.0.0.1:{}", app.metrics_port());
    let ctx = app.context().primary().clone();
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let done = tokio::spawn(async move {
        app.run_until_stopped(token)
            .await
            .expect("daemon stops cleanly");
    });
    TestDaemon {
        base,
        metrics,
        http: reqwest::Client::new(),
        ctx,
        shutdown,
        done: Some(done),
    }
}

impl TestDaemon {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a CSV feed with the ingest token.
    pub async fn post_csv(&self, csv: &str, scope: &str) -> Response {
        self.http
            .post(self.url(&format!("/v1/feeds?scope={scope}&source=hr")))
            .bearer_auth(INGEST_TOKEN)
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
            .await
            .expect("sent")
    }

    /// The metrics listener's exposition.
    pub async fn metrics_text(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.metrics))
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("text")
    }

    /// Posts a CSV feed and returns the answer's JSON (feed id, job id).
    pub async fn post_feed(&self, csv: &str, scope: &str) -> Value {
        self.post_csv(csv, scope).await.json().await.expect("json")
    }

    /// Waits for job `id`, approving it once if the safety thresholds held it.
    pub async fn run_through(&self, id: i64) {
        if self.wait_job(id, &["succeeded", "held"]).await["job"]["status"] == "held" {
            self.post_json(&format!("/v1/jobs/{id}/approve"), serde_json::json!({}))
                .await;
            self.wait_job(id, &["succeeded"]).await;
        }
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let resp = self.http.get(self.url(path)).send().await.expect("sent");
        assert!(
            resp.status().is_success(),
            "GET {path} -> {}",
            resp.status()
        );
        resp.json().await.expect("json")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .bearer_auth(INGEST_TOKEN)
            .json(&body)
            .send()
            .await
            .expect("sent")
    }

    /// DELETE with the ingest token.
    pub async fn http_delete(&self, path: &str) -> Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(INGEST_TOKEN)
            .send()
            .await
            .expect("sent")
    }

    /// Waits for the job an ingest or reconcile answer started (its `job_id`).
    pub async fn wait_started(&self, answer: &Value, statuses: &[&str]) -> Value {
        self.wait_job(answer["job_id"].as_i64().expect("job id"), statuses)
            .await
    }

    /// Waits until the job reaches one of `statuses`; returns the job.
    pub async fn wait_job(&self, id: i64, statuses: &[&str]) -> Value {
        for _ in 0..600 {
            let job = self.get_json(&format!("/v1/jobs/{id}")).await;
            if statuses.contains(&job["job"]["status"].as_str().unwrap_or_default()) {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "job {id} did not reach {statuses:?}: {}",
            self.get_json(&format!("/v1/jobs/{id}")).await
        );
    }

    /// Waits until no job is queued or running (the start-up scan, say, is done).
    pub async fn idle(&self) {
        for _ in 0..300 {
            let jobs = self.get_json("/v1/jobs").await;
            let busy = jobs["jobs"]
                .as_array()
                .expect("jobs")
                .iter()
                .any(|j| j["status"] == "queued" || j["status"] == "running");
            if !busy {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("jobs still running: {}", self.get_json("/v1/jobs").await);
    }

    /// Asks for an incremental scan once the daemon is idle and waits for it to succeed; the
    /// finished job.
    pub async fn incremental_scan(&self) -> Value {
        self.idle().await;
        let scan: Value = self
            .post_json("/v1/reconcile", serde_json::json!({"incremental": true}))
            .await
            .json()
            .await
            .expect("json");
        let done = self.wait_started(&scan, &["succeeded", "failed"]).await;
        assert_eq!(done["job"]["trigger"], "incremental_scan", "{done}");
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        done
    }

    /// Stops the daemon and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(done) = self.done.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), done)
                .await
                .expect("stops within the grace period")
                .expect("task");
        }
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Another org's API state beside `base`'s: the same database and platform (the store is not
/// scoped by org in these tests), its own name and `[server]`.
pub fn org_api(
    base: &skillsync::http::Api,
    org: &str,
    server: skillsync::http::ServerSettings,
) -> std::sync::Arc<skillsync::http::Api> {
    std::sync::Arc::new(skillsync::http::Api {
        org: org.into(),
        ingest_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
            server.max_concurrent_ingests,
        )),
        server,
        agent_key: base.agent_key,
        certifications: base.certifications.clone(),
        certification_rules: base.certification_rules.clone(),
        store: base.store.clone(),
        platform: base.platform.clone(),
        metrics: base.metrics.clone(),
        signals: base.signals.clone(),
        intake: base.intake.clone(),
        skills: base.skills.clone(),
        history: base.history.clone(),
        expiry_cache: Default::default(),
    })
}

/// Serves `router` on a free port for the rest of the test; its base URL.
pub async fn serve_router(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}
