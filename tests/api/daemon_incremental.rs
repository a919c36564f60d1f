//! Incremental drift scans on a platform that cannot list changes (Genesys Cloud): an
//! incremental scan, scheduled or asked for, reads everyone as a full scan would, so a hand-made
//! change is still found. The incremental read itself is the CXone connector's (see
//! `cxone_connector.rs`).

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestSim};

const FEED: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
";

/// Billing_L1's proficiency on the platform for `user`.
async fn billing(sim: &TestSim, user: &str) -> Option<f64> {
    sim.truth(user).await["skills"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == "Billing_L1")
        .and_then(|s| s["proficiency"].as_f64())
}

async fn hand_edit(sim: &TestSim, user: &str) {
    let changed = sim
        .http
        .post(sim.url(&format!("/sim/users/{user}/skills")))
        .json(&json!({"skills": [{"name": "Billing_L1", "proficiency": 0.5}]}))
        .send()
        .await
        .expect("sent");
    assert!(changed.status().is_success());
}

#[sqlx::test(migrations = false)]
async fn an_incremental_scan_without_incremental_reads_scans_everyone(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let job: Value = daemon.post_feed(FEED, "partial").await;
    daemon.wait_started(&job, &["succeeded"]).await;

    hand_edit(&sim, &users[0]).await;
    let done = daemon.incremental_scan().await;
    assert_eq!(done["progress"]["converged"], 1, "{done}");
    assert_eq!(billing(&sim, &users[0]).await, Some(3.0));

    let refused = daemon
        .post_json(
            "/v1/reconcile",
            json!({"incremental": true, "agent": "agent00001@example.com"}),
        )
        .await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn the_incremental_schedule_queues_scans_that_show_under_their_trigger(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.reconcile.incremental_scan_cron = "*/2 * * * * *".into();
    let daemon = spawn_daemon(settings).await;
    let job: Value = daemon.post_feed(FEED, "partial").await;
    daemon.wait_started(&job, &["succeeded"]).await;

    hand_edit(&sim, &users[0]).await;
    let mut reverted = false;
    for _ in 0..150 {
        if billing(&sim, &users[0]).await == Some(3.0) {
            reverted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reverted, "a scheduled incremental scan reverted the edit");
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = daemon.metrics_text().await;
        if metrics
            .contains("skillsync_jobs_total{org=\"default\",trigger=\"incremental_scan\",result=\"succeeded\"}")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        metrics.contains("skillsync_jobs_total{org=\"default\",trigger=\"incremental_scan\",result=\"succeeded\"}"),
        "{metrics}"
    );
    daemon.stop().await;
}
