//! Scheduled feed sources: the newest file of a glob, an HTTP(S) URL with a bearer token, and the
//! failures (a stale export, a refused download) that must leave the desired state alone.

use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon,
};
use skillsync::config::Secret;
use skillsync::domain::FeedScope;
use skillsync::feed::sources::SourceSettings;

fn source(name: &str) -> SourceSettings {
    SourceSettings {
        name: name.into(),
        path: None,
        url: None,
        bearer_token: None,
        scope: FeedScope::Partial,
        format: None,
        cron: "* * * * * *".into(),
        max_age_hours: None,
    }
}

/// Waits until `/v1/feeds` lists a feed of `source` with `status`.
async fn feed_of(daemon: &TestDaemon, source: &str, status: &str) -> Value {
    for _ in 0..100 {
        let feeds = daemon.get_json("/v1/feeds?limit=1000").await;
        if let Some(feed) = feeds["feeds"].as_array().and_then(|f| {
            f.iter()
                .find(|f| f["source"] == source && f["status"] == status)
        }) {
            return feed.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no {status} feed from {source}: {}",
        daemon.get_json("/v1/feeds").await
    );
}

async fn failed_job_mentioning(daemon: &TestDaemon, text: &str) -> Value {
    for _ in 0..100 {
        let jobs = daemon.get_json("/v1/jobs?status=failed").await;
        if let Some(job) = jobs["jobs"].as_array().and_then(|j| {
            j.iter()
                .find(|j| j["error"].as_str().is_some_and(|e| e.contains(text)))
        }) {
            return job.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no failed job mentioning {text:?}: {}",
        daemon.get_json("/v1/jobs").await
    );
}

#[sqlx::test(migrations = false)]
async fn the_newest_file_of_a_glob_is_pulled_and_a_stale_one_is_refused(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let dir = std::env::temp_dir().join(format!(
        "skillsync-sources-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("export-1.csv"),
        "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,1\n",
    )
    .expect("old");
    tokio::time::sleep(Duration::from_millis(50)).await;
    std::fs::write(
        dir.join("export-2.csv"),
        "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,4\nagent00002@example.com,skill,Billing_L1,2\n",
    )
    .expect("new");
    let glob = format!("{}/export-*.csv", dir.display());

    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.sources = vec![
        SourceSettings {
            path: Some(glob.clone()),
            ..source("hr-files")
        },
        SourceSettings {
            path: Some(glob),
            max_age_hours: Some(0.000_001),
            ..source("stale-files")
        },
    ];
    let daemon = spawn_daemon(settings).await;
    let feed = feed_of(&daemon, "hr-files", "accepted").await;
    assert_eq!(feed["agents"], 2, "the newest file was read: {feed}");
    let job = failed_job_mentioning(&daemon, "hours old").await;
    assert!(
        job["error"]
            .as_str()
            .is_some_and(|e| e.contains("stale-files")),
        "{job}"
    );
    assert!(daemon.get_json("/v1/feeds?limit=1000").await["feeds"]
        .as_array()
        .expect("feeds")
        .iter()
        .all(|f| f["source"] != "stale-files"));
    let metrics = daemon.metrics_text().await;
    assert!(
        metrics
            .contains("skillsync_feed_source_errors_total{org=\"default\",source=\"stale-files\"}"),
        "{metrics}"
    );
    daemon.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrations = false)]
async fn a_url_source_is_pulled_with_its_bearer_token_and_a_refusal_is_recorded(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let export = axum::Router::new().route(
        "/export.csv",
        get(|headers: HeaderMap| async move {
            let authorized = headers.get("authorization").and_then(|v| v.to_str().ok())
                == Some("Bearer hr-secret");
            if authorized {
                (
                    StatusCode::OK,
                    "agent,type,name,proficiency\nagent00003@example.com,skill,Sales_L1,3\n",
                )
            } else {
                (StatusCode::FORBIDDEN, "no")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/export.csv", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, export).await });

    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.sources = vec![
        SourceSettings {
            url: Some(url.clone()),
            bearer_token: Some(Secret::from("hr-secret")),
            ..source("hr-url")
        },
        SourceSettings {
            url: Some(url),
            bearer_token: Some(Secret::from("wrong")),
            ..source("hr-url-wrong")
        },
    ];
    let daemon = spawn_daemon(settings).await;
    let feed = feed_of(&daemon, "hr-url", "accepted").await;
    assert_eq!(feed["agents"], 1);
    let job = failed_job_mentioning(&daemon, "HTTP 403").await;
    assert!(
        job["error"]
            .as_str()
            .is_some_and(|e| e.contains("hr-url-wrong")),
        "{job}"
    );
    daemon.stop().await;
}
