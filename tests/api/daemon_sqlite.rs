//! `skillsync serve` on the embedded SQLite store: a posted feed converges, drift and audit read
//! back, and everything is still there after a restart on the same file.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{daemon_settings, small_org, spawn_daemon, spawn_sim};

const FEED: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00001@example.com,skill,Sales_L1,Expert
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
";

fn skill(truth: &Value, name: &str) -> Option<f64> {
    truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["proficiency"].as_f64())
}

#[tokio::test]
async fn a_feed_converges_on_a_sqlite_file_and_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "skillsync-daemon-{}",
        uuid::Uuid::new_v4().simple()
    ));
    // The directory does not exist yet: the daemon creates it and the file.
    let url = format!("sqlite://{}/data/skillsync.db", dir.display());
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let daemon = spawn_daemon(daemon_settings(&sim, &url)).await;
    daemon.wait_job(1, &["succeeded"]).await;
    sim.reset_stats().await;

    let resp = daemon.post_csv(FEED, "partial").await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let body: Value = resp.json().await.expect("json");
    let job_id = body["job_id"].as_i64().expect("job id");
    let job = daemon.wait_job(job_id, &["succeeded", "failed"]).await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    let truth = sim.truth(&users[0]).await;
    assert_eq!(
        (skill(&truth, "Billing_L1"), skill(&truth, "Sales_L1")),
        (Some(3.0), Some(5.0))
    );

    let drift = daemon.get_json("/v1/drift").await;
    assert_eq!(drift["summary"]["observed"], 20, "{drift}");
    assert_eq!(drift["summary"]["drifted"], 0, "{drift}");
    let writes = sim.stats().await.writes;
    let audit = daemon.get_json("/v1/audit?limit=1000").await;
    let rows: Vec<&Value> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["job_id"] == job_id)
        .collect();
    assert!(writes > 0);
    assert_eq!(
        rows.len() as u64,
        writes,
        "one audit row per write: {audit}"
    );
    assert!(rows.iter().all(|e| e["outcome"] == "ok"), "{audit}");
    let agent = daemon.get_json("/v1/agents/agent00001@example.com").await;
    assert_eq!(agent["agent"]["state"], "converged", "{agent}");
    daemon.stop().await;
    assert!(dir.join("data/skillsync.db").is_file());

    // A new process on the same file finds the state, the job and the audit log as they were.
    let daemon = spawn_daemon(daemon_settings(&sim, &url)).await;
    let job = daemon.get_json(&format!("/v1/jobs/{job_id}")).await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    let again = daemon.post_csv(FEED, "partial").await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["status"], "unchanged", "{again}");
    let audit_after = daemon.get_json("/v1/audit?limit=1000").await;
    let kept = audit_after["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["job_id"] == job_id)
        .count();
    assert_eq!(kept as u64, writes);
    daemon.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
