//! PostgreSQL restarted in the middle of a run: `/readyz` reports the outage while it lasts and
//! the daemon reconnects and finishes the job.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{daemon_settings, small_org, spawn_daemon, spawn_sim};
use crate::pg_cluster::Cluster;

#[tokio::test]
async fn the_daemon_rides_out_a_database_restart_in_the_middle_of_a_job() {
    let cluster = Cluster::start();
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let mut settings = daemon_settings(&sim, &cluster.url());
    settings.platform.max_concurrency = 1;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;

    sim.set_faults(json!({"latency_ms": 250})).await;
    sim.reset_stats().await;
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=16 {
        csv.push_str(&format!("agent{n:05}@example.com,skill,Claims_L2,2\n"));
    }
    let job: Value = daemon.post_feed(&csv, "partial").await;
    let job_id = job["job_id"].as_i64().expect("id");
    for _ in 0..200 {
        if sim.stats().await.writes >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    cluster.down();
    let mut saw_outage = false;
    for _ in 0..40 {
        let resp = daemon
            .http
            .get(daemon.url("/readyz"))
            .send()
            .await
            .expect("the API answers without a database");
        if resp.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            let body: Value = resp.json().await.expect("json");
            assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
            saw_outage = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(saw_outage, "/readyz shows the outage");
    tokio::time::sleep(Duration::from_secs(1)).await;
    cluster.up();

    let mut ready = false;
    for _ in 0..120 {
        if daemon
            .http
            .get(daemon.url("/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "/readyz recovers");
    let done = daemon.wait_job(job_id, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    for id in &users[..16] {
        let truth = sim.truth(id).await;
        assert!(
            truth["skills"]
                .as_array()
                .expect("skills")
                .iter()
                .any(|s| s["name"] == "Claims_L2" && s["proficiency"] == 2.0),
            "{id} converged"
        );
    }
    let stats = sim.stats().await;
    assert!(
        stats.writes_per_user.values().all(|w| *w <= 1),
        "nothing written twice: {:?}",
        stats.writes_per_user
    );
    daemon.stop().await;
}
