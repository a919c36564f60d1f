//! Two orgs in one daemon: each org's store, jobs and platform are its own. An org whose
//! platform is down does not slow the other, and one org's feed never reaches the other's agents.

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{database_url, small_org, spawn_daemon, spawn_sim};
use crate::org_helpers::multi_org_settings;
use crate::serve_process::post_csv_under;

fn feed(agents: u32, skill: &str) -> String {
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=agents {
        csv.push_str(&format!("agent{n:05}@example.com,skill,{skill},2\n"));
    }
    csv
}

#[sqlx::test(migrations = false)]
async fn an_org_whose_platform_is_down_does_not_slow_the_other(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let up = spawn_sim(small_org()).await;
    let down = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(multi_org_settings(
        &database_url(&db),
        &[("up", &up), ("down", &down)],
    ))
    .await;
    // Both start-up scans first, so that the outage hits a feed job.
    for org in ["up", "down"] {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let jobs = daemon.get_json(&format!("/v1/orgs/{org}/jobs")).await;
            if jobs["jobs"][0]["status"] == "succeeded" {
                break;
            }
            assert!(Instant::now() < deadline, "{org}: {jobs}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    down.set_faults(json!({"outage_ms": 600_000})).await;
    let post = |org: &str, csv: String| {
        let prefix = daemon.url(&format!("/v1/orgs/{org}"));
        let http = daemon.http.clone();
        async move { post_csv_under(&http, &prefix, csv, "partial").await }
    };
    let stuck = post("down", feed(20, "Billing_L1")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let job = post("up", feed(20, "Billing_L2")).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let view = daemon.get_json(&format!("/v1/orgs/up/jobs/{job}")).await;
        if view["job"]["status"] == "succeeded" {
            break;
        }
        assert!(Instant::now() < deadline, "up's job: {view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    // Alone, this job takes about a second (20 writes, a 0.2 s settle); waiting on the other
    // org's retries would take the outage's length.
    assert!(took < Duration::from_secs(10), "up's job took {took:?}");
    let other = daemon
        .get_json(&format!("/v1/orgs/down/jobs/{stuck}"))
        .await;
    assert_ne!(other["job"]["status"], "succeeded", "{other}");
    // Each org's feed reached its own platform only.
    let up_stats = up.stats().await;
    assert_eq!(up_stats.writes_per_user.len(), 20, "{up_stats:?}");
    let agent = daemon
        .get_json("/v1/orgs/down/agents/agent00001@example.com")
        .await;
    assert!(
        !agent.to_string().contains("Billing_L2"),
        "up's feed is not down's desired state: {agent}"
    );
    down.set_faults(json!({"outage_ms": 0})).await;
}
