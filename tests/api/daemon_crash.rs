//! `skillsync serve` as a process: killed with SIGKILL in the middle of a job and restarted, it
//! finishes the job, the platform ends in the desired state, and no write is made twice.

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{database_url, small_org, spawn_sim};
use crate::serve_process::{free_port, get_json, job_status, post_csv, start_serve};
use skillsync::sim::SimConfig;

#[sqlx::test(migrations = false)]
async fn a_job_killed_midway_is_finished_after_restart_without_writing_anything_twice(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(SimConfig {
        agents: 30,
        ..small_org()
    })
    .await;
    let users = sim.user_ids().await;
    let db = database_url(&db);
    let port = free_port();
    let http = reqwest::Client::new();

    let first = start_serve(&sim, &db, port).await;
    for _ in 0..100 {
        if job_status(&http, &first.base, 1).await == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every platform call now takes 300 ms, so the job below runs for a few seconds.
    sim.set_faults(json!({"latency_ms": 300})).await;
    sim.reset_stats().await;
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=24 {
        csv.push_str(&format!("agent{n:05}@example.com,skill,Billing_L1,1\n"));
    }
    let job_id = post_csv(&http, &first.base, csv, "partial").await;
    let mut written = 0;
    for _ in 0..200 {
        written = sim.stats().await.writes;
        if written >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(written >= 4, "the job got going");
    let mut first = first;
    first.child.kill().expect("SIGKILL");
    let _ = first.child.wait();
    assert_ne!(
        job_status_or_down(&http, &first.base, job_id).await,
        "succeeded"
    );

    let second = start_serve(&sim, &db, port).await;
    let mut status = String::new();
    for _ in 0..600 {
        status = job_status(&http, &second.base, job_id).await;
        if status == "succeeded" || status == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "succeeded");

    for id in &users[..24] {
        let truth = sim.truth(id).await;
        let billing = truth["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .find(|s| s["name"] == "Billing_L1")
            .cloned();
        assert_eq!(
            billing.map(|s| s["proficiency"].clone()),
            Some(json!(1.0)),
            "{id}"
        );
    }
    let stats = sim.stats().await;
    for (user, writes) in &stats.writes_per_user {
        assert!(*writes <= 1, "user {user} was written {writes} times");
    }
    let audit = get_json(&http, &second.base, "/v1/audit?limit=1000").await;
    let entries = audit["entries"].as_array().expect("entries");
    // The restart queues a start-up job, which may write too: every job from this one on counts.
    let since = |e: &&Value| e["job_id"].as_i64().is_some_and(|id| id >= job_id);
    let ok = entries
        .iter()
        .filter(|e| since(e) && e["outcome"] == "ok")
        .count() as u64;
    // Intents whose result died with the first process read `pending`, later `unknown`.
    let unknown = entries
        .iter()
        .filter(|e| since(e) && (e["outcome"] == "unknown" || e["outcome"] == "pending"))
        .count() as u64;
    assert!(
        ok + unknown >= stats.writes,
        "every write is in the audit log ({ok} ok + {unknown} unknown, {} writes)",
        stats.writes
    );
    assert!(ok <= stats.writes, "no write is logged as done twice");

    // SIGTERM: the process stops on its own within the grace period.
    let mut second = second;
    let pid = second.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let mut stopped = false;
    for _ in 0..100 {
        if let Ok(Some(status)) = second.child.try_wait() {
            assert!(status.success(), "clean exit: {status}");
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stopped,
        "skillsync serve exits within the grace period after SIGTERM"
    );
}

async fn job_status_or_down(http: &reqwest::Client, base: &str, id: i64) -> String {
    match http.get(format!("{base}/v1/jobs/{id}")).send().await {
        Ok(resp) => resp
            .json::<Value>()
            .await
            .map(|j| j["job"]["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default(),
        Err(_) => "down".into(),
    }
}
