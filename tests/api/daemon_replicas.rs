//! Two `skillsync serve` processes on one database and one org: one holds the org's lease and
//! works it (worker, scheduler), the other serves the API; when the holder dies, the other takes
//! the lease over, the job finishes, and no write is made twice.

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{database_url, small_org, spawn_sim};
use crate::serve_process::{replica, wait_job_under, working, Replica};
use skillsync::sim::SimConfig;

/// Whether the replica works the one org; `None` when it does not answer.
async fn leads(http: &reqwest::Client, replica: &Replica) -> Option<bool> {
    Some(working(http, replica).await?.contains("default"))
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

/// A slow feed through `base`, returned once the holder has started writing it.
async fn post_slow_feed(http: &reqwest::Client, base: &str, sim: &crate::helpers::TestSim) -> i64 {
    let job = crate::serve_process::post_slow_feed(http, &format!("{base}/v1"), sim).await;
    for _ in 0..200 {
        if sim.stats().await.writes >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    job
}

async fn wait_job(http: &reqwest::Client, base: &str, id: i64, within: Duration) -> String {
    wait_job_under(http, &format!("{base}/v1"), id, within).await
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
    let mut a = replica(&sim, &db, &[]).await;
    assert!(
        wait_leader(&http, &a, Duration::from_secs(20)).await,
        "the first replica leads"
    );
    let b = replica(&sim, &db, &[]).await;
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
