//! The daemon most console tests start from: the simulator's small org, a first feed run
//! through, and a second one held for approval (`safety.max_destructive = 0`) because it
//! downgrades one agent's skill and adds another's.

use serde_json::Value;
use sqlx::postgres::PgConnectOptions;

use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon, TestSim,
};

/// The first feed: grants only.
pub const FULL: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
agent00004@example.com,skill,Sales_L1,1
";

/// The held feed: a downgrade (a loss) and an addition.
pub const DOWNGRADE: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,1
agent00002@example.com,skill,Sales_L1,4
";

/// A daemon with [`FULL`] run through and [`DOWNGRADE`] held; its simulator (which must outlive
/// it), and the held feed's ingest answer (`feed_id`, `job_id`).
pub async fn with_held_job(db: &PgConnectOptions) -> (TestSim, TestDaemon, Value) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(db));
    settings.safety.max_destructive = 0;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FULL, "partial").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;
    let held: Value = daemon.post_feed(DOWNGRADE, "partial").await;
    daemon.wait_started(&held, &["held"]).await;
    (sim, daemon, held)
}

/// `text` as the templates escape it (askama writes numeric character references).
pub fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// A console answer as a browser would get it, redirects not followed.
pub struct Page {
    pub status: reqwest::StatusCode,
    pub content_type: String,
    pub location: String,
    pub body: String,
}

/// `GET path` on the console with an optional bearer token.
pub async fn get_page(daemon: &TestDaemon, path: &str, token: Option<&str>) -> Page {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut request = client.get(daemon.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let resp = request.send().await.expect("sent");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, location) = (header("content-type"), header("location"));
    Page {
        status: resp.status(),
        content_type,
        location,
        body: resp.text().await.expect("text"),
    }
}
