//! Held feed jobs: feeds coalesced into one job are checked, held and decided together, and an
//! approval takes effect however it interleaves with the hold.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};

const FULL: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
agent00004@example.com,skill,Sales_L1,1
";

#[sqlx::test(migrations = false)]
async fn a_truncated_snapshot_coalesced_with_a_later_partial_feed_is_held_and_rejected_with_it(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let first: Value = daemon.post_feed(FULL, "snapshot").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;

    // Keep the worker busy with a slow scan, so that the next two feeds wait in one queued job.
    sim.set_faults(json!({"latency_ms": 1500})).await;
    let scan: Value = daemon
        .post_json("/v1/reconcile", json!({}))
        .await
        .json()
        .await
        .expect("json");
    daemon.wait_started(&scan, &["running"]).await;
    let truncated = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
    let snapshot: Value = daemon.post_feed(truncated, "snapshot").await;
    let partial = "agent,type,name,proficiency\nagent00002@example.com,skill,Billing_L1,4\n";
    let later: Value = daemon.post_feed(partial, "partial").await;
    assert_eq!(
        snapshot["job_id"], later["job_id"],
        "coalesced: {snapshot} {later}"
    );
    sim.set_faults(json!({"latency_ms": 0})).await;

    let job_id = later["job_id"].as_i64().expect("id");
    let job = daemon
        .wait_job(job_id, &["held", "succeeded", "failed"])
        .await;
    assert_eq!(job["job"]["status"], "held", "{job}");
    assert!(
        job["job"]["held_reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.contains("the snapshot lists 1 agents"))),
        "the earlier, truncated snapshot is checked although the job's newest feed is partial: {job}"
    );
    for feed in [&snapshot, &later] {
        let record = daemon
            .get_json(&format!("/v1/feeds/{}", feed["feed_id"]))
            .await;
        assert_eq!(
            record["status"], "held",
            "every coalesced feed is held: {record}"
        );
    }

    let drift = daemon.get_json("/v1/drift?limit=1").await;
    assert_eq!(
        drift["summary"]["drifted"], 0,
        "the held feeds' changes are not in force, so they are not drift: {drift}"
    );

    // Two triggers were merged into the held job; the state in force still gets its run.
    let mut follow_up_id = None;
    for _ in 0..50 {
        let jobs = daemon.get_json("/v1/jobs?limit=10").await;
        follow_up_id = jobs["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .find(|j| j["id"].as_i64() > Some(job_id))
            .and_then(|j| j["id"].as_i64());
        if follow_up_id.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let follow_up = daemon
        .wait_job(
            follow_up_id.expect("a follow-up job"),
            &["succeeded", "failed", "held"],
        )
        .await;
    assert_eq!(follow_up["job"]["trigger"], "schedule", "{follow_up}");
    assert_eq!(follow_up["job"]["status"], "succeeded", "{follow_up}");

    let resp = daemon
        .post_json(&format!("/v1/jobs/{job_id}/reject"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    for feed in [&snapshot, &later] {
        let record = daemon
            .get_json(&format!("/v1/feeds/{}", feed["feed_id"]))
            .await;
        assert_eq!(record["status"], "withdrawn", "{record}");
    }
    let state = daemon
        .ctx
        .store
        .current_desired(skillsync::domain::AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(
        state.agents.len(),
        4,
        "the snapshot before the job is in force again"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn an_approval_that_overtakes_the_feeds_hold_still_applies_the_feed(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = 0;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FULL, "partial").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;

    let downgrade = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,1\n";
    let held: Value = daemon.post_feed(downgrade, "partial").await;
    let job_id = held["job_id"].as_i64().expect("id");
    daemon.wait_job(job_id, &["held"]).await;
    // The approval as it lands when it comes between the job's hold and its feed's: the job is
    // approved while its feed is still held (the API's release has not happened).
    let store = &daemon.ctx.store;
    store.approve_job(job_id, "ops").await.expect("approved");
    let feed = held["feed_id"].as_i64().expect("feed id");
    assert_eq!(
        store
            .feed(feed)
            .await
            .expect("feed")
            .map(|f| f.status.to_string()),
        Some("held".to_string())
    );
    daemon.ctx.signals.wake.notify_one();

    let job = daemon
        .wait_job(job_id, &["succeeded", "failed", "held"])
        .await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    let record = daemon.get_json(&format!("/v1/feeds/{feed}")).await;
    assert_eq!(record["status"], "accepted", "{record}");
    let user = sim.user_ids().await.remove(0);
    let truth = sim.truth(&user).await;
    assert!(
        truth["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .any(|s| s["name"] == "Billing_L1" && s["proficiency"] == 1.0),
        "the approved feed was applied: {truth}"
    );
    daemon.stop().await;
}
