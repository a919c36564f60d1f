//! Two `skillsync serve` processes on one database and one org: one holds the org's lease and
//! works it (worker, scheduler), the other serves the API; when the holder dies, the other takes
//! the lease over, the job finishes, and no write is made twice.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{database_url, small_org, spawn_sim, INGEST_TOKEN};
use crate::serve_process::{free_port, job_status, start_serve_with, Serve};
use skillsync::sim::SimConfig;

struct Replica {
    serve: Serve,
    metrics: String,
}

async fn replica(sim: &crate::helpers::TestSim, db: &str) -> Replica {
    let metrics_port = free_port();
    let listen = format!("127.0.0.1:{metrics_port}");
    let serve = start_serve_with(
        sim,
        db,
        free_port(),
        &[("SKILLSYNC__SERVER__METRICS_LISTEN", &listen)],
    )
    .await;
    Replica {
        serve,
        metrics: format!("http://{listen}/metrics"),
    }
}

/// 1 or 0 from the replica's `skillsync_leader` gauge; `None` when it does not answer.
async fn leads(http: &reqwest::Client, replica: &Replica) -> Option<bool> {
    let text = http
        .get(&replica.metrics)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    Some(
        text.lines()
            .any(|l| l == r#"skillsync_leader{org="default"} 1"#),
    )
}

async fn wait_leader(http: &reqwest::Client, replica: &Replica, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if leads(http, replica).await == Some(true) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn post_slow_feed(http: &reqwest::Client, base: &str, sim: &crate::helpers::TestSim) -> i64 {
    sim.set_faults(json!({"latency_ms": 300})).await;
    sim.reset_stats().await;
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=24 {
        csv.push_str(&format!("agent{n:05}@example.com,skill,Billing_L1,1\n"));
    }
    let accepted: Value = http
        .post(format!("{base}/v1/feeds?scope=partial"))
        .bearer_auth(INGEST_TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let job = accepted["job_id"].as_i64().expect("job id");
    for _ in 0..200 {
        if sim.stats().await.writes >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    job
}

async fn wait_job(http: &reqwest::Client, base: &str, id: i64, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut status = String::new();
    while Instant::now() < deadline {
        status = job_status(http, base, id).await;
        if status == "succeeded" || status == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

#[sqlx::test(migrations = false)]
async fn when_the_leader_is_killed_the_other_replica_takes_over_and_finishes_the_job(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(SimConfig {
        agents: 30,
        ..small_org()
    })
    .await;
    let db = database_url(&db);
    let http = reqwest::Client::new();
    let mut a = replica(&sim, &db).await;
    assert!(
        wait_leader(&http, &a, Duration::from_secs(20)).await,
        "the first replica leads"
    );
    let b = replica(&sim, &db).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(leads(&http, &b).await, Some(false), "one leader at a time");
    assert_eq!(
        wait_job(&http, &b.serve.base, 1, Duration::from_secs(20)).await,
        "succeeded"
    );

    // Fed through the follower; the leader writes.
    let job = post_slow_feed(&http, &b.serve.base, &sim).await;
    a.serve.child.kill().expect("SIGKILL the leader");
    let _ = a.serve.child.wait();
    let killed = Instant::now();
    assert!(
        wait_leader(&http, &b, Duration::from_secs(30)).await,
        "the follower is elected"
    );
    assert_eq!(
        wait_job(&http, &b.serve.base, job, Duration::from_secs(60)).await,
        "succeeded"
    );
    assert!(
        killed.elapsed() < Duration::from_secs(30),
        "taken over and finished within 30 s: {:?}",
        killed.elapsed()
    );
    let stats = sim.stats().await;
    assert!(
        stats.writes_per_user.values().all(|w| *w <= 1),
        "no write twice: {:?}",
        stats.writes_per_user
    );
}
