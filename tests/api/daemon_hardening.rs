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
        assert!(
            message.contains("not a source name") || message.contains("NUL byte"),
            "{body}"
        );
    }
    let feeds = daemon.get_json("/v1/feeds").await;
    assert_eq!(feeds["total"], 0, "nothing recorded: {feeds}");

    // A plain name still goes through, and the exposition has no raw control characters.
    let accepted = daemon.post_feed(FEED, "partial").await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    let text = daemon.metrics_text().await;
    assert!(
        text.contains(r#"skillsync_feeds_total{org="default",source="hr",status="accepted"} 1"#),
        "{text}"
    );
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn compressed_bodies_loose_keys_and_late_decisions_get_a_4xx_that_says_why(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let post = |body: Vec<u8>, headers: &[(&str, &str)]| {
        let mut request = daemon
            .http
            .post(daemon.url("/v1/feeds?source=hr"))
            .bearer_auth(INGEST_TOKEN)
            .header("content-type", "text/csv")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let error = |body: Value| {
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    // A gzip body, with or without saying so: not "UTF-16".
    let gzip = vec![0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];
    for headers in [&[][..], &[("content-encoding", "gzip")][..]] {
        let resp = post(gzip.clone(), headers).await.expect("sent");
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let message = error(resp.json().await.expect("json"));
        assert!(message.contains("uncompressed"), "{message}");
    }
    // A tab or a space is not a visible character of an Idempotency-Key.
    for key in ["a\tb", "a b"] {
        let resp = post(FEED.into(), &[("idempotency-key", key)])
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{key:?}");
    }
    let feeds = daemon.get_json("/v1/feeds").await;
    assert_eq!(feeds["total"], 0, "nothing recorded: {feeds}");

    // Deciding a job that is not held says so in plain words.
    let resp = daemon
        .post_json("/v1/jobs/1/reject", serde_json::json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let message = error(resp.json().await.expect("json"));
    assert!(
        message.ends_with("only held jobs can be rejected"),
        "{message}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn names_and_keys_too_long_to_store_are_row_errors_not_server_errors(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let long = "x".repeat(3_000);
    let feed = format!(
        "agent,type,name,proficiency\n\
         agent00001@example.com,skill,{long},3\n\
         {long}@example.com,skill,Billing_L1,3\n"
    );
    let resp = daemon.post_csv(&feed, "partial").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = resp.text().await.expect("text");
    assert!(body.contains("longer than 255 characters"), "{body}");
    assert!(body.contains("line 2") && body.contains("line 3"), "{body}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_nul_byte_or_an_instant_out_of_range_in_a_request_is_a_client_error(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    for path in [
        "/v1/agents/a%00b@example.com",
        "/v1/audit?agent=a%00b",
        "/v1/drift?state=a%00",
        "/v1/jobs?status=%00",
        "/v1/audit?since=-5000-01-01T00:00:00Z",
        "/v1/audit?until=%2B200000-01-01T00:00:00Z",
    ] {
        let resp = daemon
            .http
            .get(daemon.url(path))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = resp.text().await.expect("text");
        assert!(
            body.contains("NUL byte") || body.contains("between the years 1 and 9999"),
            "{path}: {body}"
        );
    }
    for agent in ["a\u{0}b@example.com".to_string(), "x".repeat(3_000)] {
        let resp = daemon
            .post_json("/v1/reconcile", serde_json::json!({ "agent": agent }))
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let jobs = daemon.get_json("/v1/jobs").await;
    assert_eq!(jobs["total"], 1, "no job queued: {jobs}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn an_idempotency_key_belongs_to_its_token_and_to_one_request(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    const OTHER_TOKEN: &str = "another-senders-ingest-token";
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.server.ingest_tokens.insert(
        "other".into(),
        skillsync::config::Secret::from(OTHER_TOKEN).into(),
    );
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let post = |token: &'static str, body: &'static str| {
        daemon
            .http
            .post(daemon.url("/v1/feeds?source=hr"))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .header("idempotency-key", "nightly-2026-12-06")
            .body(body)
            .send()
    };
    let json = |resp: reqwest::Response| async move {
        let status = resp.status();
        (status, resp.json::<Value>().await.expect("json"))
    };

    // Another sender uses the key first: the real sender's feed is still accepted as its own.
    let other = "agent,type,name,proficiency\nagent00002@example.com,skill,Billing_L1,2\n";
    let (status, first) = json(post(OTHER_TOKEN, other).await.expect("sent")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let (status, own) = json(post(INGEST_TOKEN, FEED).await.expect("sent")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{own}");
    assert_ne!(
        own["feed_id"], first["feed_id"],
        "not the other sender's feed"
    );

    // The same sender, the same key, the same request: replayed.
    let (status, again) = json(post(INGEST_TOKEN, FEED).await.expect("sent")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["feed_id"], own["feed_id"]);

    // The same key with another body: refused, and nothing stored.
    let (status, reused) = json(post(INGEST_TOKEN, other).await.expect("sent")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reused}");
    assert_eq!(
        reused["error"]["code"], "idempotency_key_reused",
        "{reused}"
    );
    assert_eq!(daemon.get_json("/v1/feeds").await["total"], 2);
    daemon.stop().await;
}
