//! Hostile and careless input at the ingest endpoint: refused with a 4xx that says why, and
//! nothing recorded.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, INGEST_TOKEN,
};

const FEED: &str = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";

#[sqlx::test(migrations = false)]
async fn a_source_that_is_not_a_plain_name_is_refused_and_metrics_stay_parseable(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;

    // A quote, a line feed, an ANSI escape, a NUL, a space, nothing at all, too long.
    let long = "x".repeat(65);
    for source in [
        "a%22b",
        "a%0Ab",
        "%1B%5B31m",
        "a%00b",
        "a%20b",
        "",
        long.as_str(),
    ] {
        let resp = daemon
            .http
            .post(daemon.url(&format!("/v1/feeds?source={source}")))
            .bearer_auth(INGEST_TOKEN)
            .header("content-type", "text/csv")
            .body(FEED)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "source={source}");
        let body: Value = resp.json().await.expect("json");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("not a source name"), "{body}");
    }
    let feeds = daemon.get_json("/v1/feeds").await;
    assert_eq!(feeds["total"], 0, "nothing recorded: {feeds}");

    // A plain name still goes through, and the exposition has no raw control characters.
    let accepted = daemon.post_feed(FEED, "partial").await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    let text = daemon.metrics_text().await;
    assert!(
        text.contains(r#"skillsync_feeds_total{source="hr",status="accepted"} 1"#),
        "{text}"
    );
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
    daemon.stop().await;
}
