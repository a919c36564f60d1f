//! Certifications enforced on time: an expiry a few seconds ahead removes the gate skill and the
//! `certifications` entry within the enforcement window, while concurrent changes to the user
//! provoke version conflicts that are absorbed; the webhook reports grant and revocation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{SecondsFormat, Utc};
use parking_lot::Mutex;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};
use skillsync::config::Secret;
use skillsync::feed::CertificationSettings;

/// A webhook receiver that answers 503 to its first request, then 200, keeping what it got.
async fn receiver() -> (String, Arc<Mutex<Vec<(HeaderMap, Bytes)>>>) {
    let got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let mut got = seen.lock();
                got.push((headers, body));
                if got.len() == 1 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

/// Whether the user holds the gate skill and the certification entry.
pub fn holds(truth: &Value) -> (bool, bool) {
    let gate = truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .any(|s| s["name"] == "Gate_PCI");
    let entry = truth["certifications"]
        .as_array()
        .expect("certifications")
        .iter()
        .any(|c| c == "PCI-DSS");
    (gate, entry)
}

#[sqlx::test(migrations = false)]
async fn an_expiring_certification_loses_its_gate_and_entry_on_time_despite_conflicts(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    sim.ok(
        Method::POST,
        "/api/v2/routing/skills",
        Some(json!({"name": "Gate_PCI"})),
    )
    .await;
    let user = sim.user_ids().await.remove(0);
    let (hook, received) = receiver().await;

    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.feed.certifications.insert(
        "PCI-DSS".into(),
        CertificationSettings {
            gate_skill: Some("Gate_PCI".into()),
            ..CertificationSettings::default()
        },
    );
    settings.webhook.url = hook;
    settings.webhook.secret = Secret::from("hook-secret");
    settings.webhook.min_backoff_secs = 1;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;

    let expires = Utc::now() + chrono::Duration::seconds(6);
    let csv = format!(
        "agent,type,name,proficiency,issued_on,expires_on\nagent00001@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{}\n",
        expires.to_rfc3339_opts(SecondsFormat::Millis, true)
    );
    let accepted: Value = daemon.post_feed(&csv, "partial").await;
    let job = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    assert_eq!(
        holds(&sim.truth(&user).await),
        (true, true),
        "granted while in force"
    );

    // An admin keeps changing the user in the web UI: every change bumps its version, and the
    // platform refuses half the writes that come within 100 ms of another, and surely the next
    // two, so skillsync's writes meet 409s and must re-read and retry.
    sim.set_faults(
        json!({"conflict_window_ms": 100, "conflict_probability": 0.5, "conflict_next": 2}),
    )
    .await;
    let churn = {
        let (http, url) = (
            sim.http.clone(),
            sim.url(&format!("/sim/users/{user}/skills")),
        );
        tokio::spawn(async move {
            for i in 0u64.. {
                let p = if i % 2 == 0 { 1 } else { 2 };
                let _ = http
                    .post(&url)
                    .json(&json!({"skills": [{"name": "Retention_L2", "proficiency": p}]}))
                    .send()
                    .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let truth = sim.truth(&user).await;
        if holds(&truth) == (false, false) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not revoked within 60 s of expiry: {truth}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let revoked_after = Utc::now() - expires;
    churn.abort();
    assert!(
        revoked_after < chrono::Duration::seconds(60),
        "revoked {revoked_after} after expiry"
    );

    let audit = daemon.get_json("/v1/audit?limit=1000").await;
    let entries = audit["entries"].as_array().expect("entries");
    let revocation = entries
        .iter()
        .find(|e| {
            e["call"] == "patch_user"
                && e["outcome"] == "ok"
                && e["changes"][0]["action"] == "remove"
        })
        .cloned()
        .expect("the revocation is audited");
    assert!(
        revocation["changes"][0]["rule"]
            .as_str()
            .is_some_and(|r| r.contains("expired at")),
        "{revocation}"
    );
    let conflicts = entries.iter().filter(|e| e["http_status"] == 409).count();
    let gate_removal = entries
        .iter()
        .any(|e| e["call"] == "delete_skill" && e["changes"][0]["name"] == "Gate_PCI");
    assert!(gate_removal, "the gate skill's removal is audited");

    // The webhook: the first delivery failed (503) and was retried; grant and revocation arrive
    // signed.
    let deadline = Instant::now() + Duration::from_secs(30);
    let events: Vec<Value> = loop {
        let events: Vec<Value> = received
            .lock()
            .iter()
            .skip(1)
            .map(|(headers, body)| {
                let signature = headers["x-skillsync-signature"].to_str().expect("ascii");
                let timestamp = headers["x-skillsync-timestamp"].to_str().expect("ascii");
                skillsync::notify::verify(
                    b"hook-secret",
                    timestamp,
                    body,
                    signature,
                    Utc::now(),
                    Duration::from_secs(300),
                )
                .expect("valid signature");
                serde_json::from_slice(body).expect("json event")
            })
            .collect();
        if events.iter().any(|e| e["type"] == "certification.revoked") || Instant::now() > deadline
        {
            break events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(
        kinds.contains(&"certification.granted") && kinds.contains(&"certification.revoked"),
        "{events:?}"
    );
    let revoked = events
        .iter()
        .find(|e| e["type"] == "certification.revoked")
        .expect("revoked");
    assert_eq!(revoked["agent"], "agent00001@example.com");
    // The expiry instant, not the time of the write: the same event, and id, if built again.
    let instant = |v: &Value| {
        v.as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc())
    };
    let expiry =
        chrono::DateTime::parse_from_rfc3339(&expires.to_rfc3339_opts(SecondsFormat::Millis, true))
            .map(|t| t.to_utc())
            .ok();
    assert_eq!(instant(&revoked["at"]), expiry, "{revoked}");
    assert_eq!(instant(&revoked["expires_on"]), expiry, "{revoked}");
    let granted = events
        .iter()
        .find(|e| e["type"] == "certification.granted")
        .expect("granted");
    assert_eq!(instant(&granted["expires_on"]), expiry, "{granted}");
    assert!(revoked["rule"]
        .as_str()
        .is_some_and(|r| r.contains("expired at")));
    assert!(
        conflicts >= 2,
        "the conflicts were audited and absorbed by re-reading: {entries:?}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn certifications_expiring_soon_are_listed_as_json_and_csv(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let soon = (Utc::now() + chrono::Duration::days(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let later =
        (Utc::now() + chrono::Duration::days(20)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let csv = format!(
        "agent,type,name,proficiency,issued_on,expires_on\n\
         agent00001@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{soon}\n\
         agent00002@example.com,certification,HIPAA,,2026-01-01T00:00:00Z,{later}\n"
    );
    daemon.post_csv(&csv, "partial").await;
    let week = daemon
        .get_json("/v1/certifications/expiring?within=7d")
        .await;
    assert_eq!(week["total"], 1, "{week}");
    assert_eq!(week["items"][0]["agent"], "agent00001@example.com");
    let month = daemon
        .get_json("/v1/certifications/expiring?within=30d")
        .await;
    assert_eq!(month["total"], 2);
    let text = daemon
        .http
        .get(daemon.url("/v1/certifications/expiring?within=30d"))
        .header("accept", "text/csv")
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        text.starts_with("agent,certification,expires_on\n\"agent00001@example.com\",\"PCI-DSS\","),
        "{text}"
    );
    let bad = daemon
        .http
        .get(daemon.url("/v1/certifications/expiring?within=soon"))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), reqwest::StatusCode::BAD_REQUEST);
    // The timer re-reads the desired state after the feed and sets the gauge per window.
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = daemon.metrics_text().await;
        if metrics.contains("skillsync_certifications_expiring{org=\"default\",within=\"7d\"} 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        metrics.contains("skillsync_certifications_expiring{org=\"default\",within=\"7d\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("skillsync_certifications_expiring{org=\"default\",within=\"30d\"} 2"),
        "{metrics}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn the_sweep_sends_each_expiry_warning_once(_: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_sim(small_org()).await;
    let (hook, received) = receiver().await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.webhook.url = hook;
    settings.webhook.secret = Secret::from("hook-secret");
    settings.webhook.warning_days = vec![7];
    settings.certifications.sweep_cron = "* * * * * *".into();
    let daemon = spawn_daemon(settings).await;
    // The first sweep marks where warnings start; 3 s after the feed arrives, the certification
    // enters its 7-day window.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let expires = (Utc::now() + chrono::Duration::days(7) + chrono::Duration::seconds(3))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let csv = format!("agent,type,name,proficiency,issued_on,expires_on\nagent00001@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{expires}\n");
    daemon.post_csv(&csv, "partial").await;
    let warnings = |received: &Arc<Mutex<Vec<(HeaderMap, Bytes)>>>| -> Vec<Value> {
        received
            .lock()
            .iter()
            .filter_map(|(_, body)| serde_json::from_slice::<Value>(body).ok())
            .filter(|e| e["type"] == "certification.expiring_soon")
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while warnings(&received).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let first = warnings(&received);
    assert!(!first.is_empty(), "a warning was sent");
    assert_eq!(first[0]["agent"], "agent00001@example.com");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ids: std::collections::BTreeSet<String> = warnings(&received)
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "later sweeps do not send it again (a retried delivery repeats the same id)"
    );
    daemon.stop().await;
}
