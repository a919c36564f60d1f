//! Feeds that arrive while their job is still queued are coalesced into it: each of them is
//! checked against the safety thresholds, held with the job, and decided with it.

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
    let first: Value = daemon
        .post_csv(FULL, "snapshot")
        .await
        .json()
        .await
        .expect("json");
    let first_job = first["job_id"].as_i64().expect("id");
    if daemon.wait_job(first_job, &["succeeded", "held"]).await["job"]["status"] == "held" {
        daemon
            .post_json(&format!("/v1/jobs/{first_job}/approve"), json!({}))
            .await;
        daemon.wait_job(first_job, &["succeeded"]).await;
    }

    // Keep the worker busy with a slow scan, so that the next two feeds wait in one queued job.
    sim.set_faults(json!({"latency_ms": 1500})).await;
    let scan: Value = daemon
        .post_json("/v1/reconcile", json!({}))
        .await
        .json()
        .await
        .expect("json");
    daemon
        .wait_job(scan["job_id"].as_i64().expect("id"), &["running"])
        .await;
    let truncated = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
    let snapshot: Value = daemon
        .post_csv(truncated, "snapshot")
        .await
        .json()
        .await
        .expect("json");
    let partial = "agent,type,name,proficiency\nagent00002@example.com,skill,Billing_L1,4\n";
    let later: Value = daemon
        .post_csv(partial, "partial")
        .await
        .json()
        .await
        .expect("json");
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
