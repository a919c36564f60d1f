//! Three `skillsync serve` processes on one PostgreSQL database sharing four simulated orgs by
//! per-org leases (issue 14): each org is worked by exactly one replica at a time; a replica
//! killed mid-job hands its orgs over within the lease period, and their jobs converge with no
//! user written twice; restarting it evens the shares out again without a double claim.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{database_url, small_org, spawn_sim, TestSim};
use crate::serve_process::{get_json, post_slow_feed, replica, wait_job_under, working, Replica};
use skillsync::sim::SimConfig;

const ORGS: [&str; 4] = ["north", "south", "east", "west"];
const LEASE_SECS: f64 = 2.0;

/// A configuration file naming one org per simulator.
fn orgs_config(sims: &[TestSim]) -> std::path::PathBuf {
    let mut toml = String::new();
    for (org, sim) in ORGS.iter().zip(sims) {
        toml.push_str(&format!(
            "[orgs.{org}.platform]\nbase_url = \"{}\"\n\n",
            sim.base
        ));
    }
    let file = std::env::temp_dir().join(format!(
        "skillsync-orgs-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&file, toml).expect("written");
    file
}

async fn org_replica(sim: &TestSim, db: &str, config: &std::path::Path) -> Replica {
    let lease = LEASE_SECS.to_string();
    let config = config.display().to_string();
    replica(
        sim,
        db,
        &[
            ("SKILLSYNC__RECONCILE__LEASE_SECS", &lease),
            ("SKILLSYNC_CONFIG", &config),
        ],
    )
    .await
}

/// Who works which org, asserting that no org is worked by two replicas at once.
async fn holders(http: &reqwest::Client, replicas: &[&Replica]) -> BTreeMap<String, usize> {
    let mut by_org = BTreeMap::new();
    for (i, replica) in replicas.iter().enumerate() {
        for org in working(http, replica).await.unwrap_or_default() {
            if let Some(other) = by_org.insert(org.clone(), i) {
                panic!("{org} worked by replicas {other} and {i} at once");
            }
        }
    }
    by_org
}

/// Waits until every org is worked and every listed replica works at least one; checks
/// exclusivity at every look.
async fn wait_shared(
    http: &reqwest::Client,
    replicas: &[&Replica],
    within: Duration,
) -> BTreeMap<String, usize> {
    let deadline = Instant::now() + within;
    loop {
        let by_org = holders(http, replicas).await;
        let per_replica: BTreeSet<usize> = by_org.values().copied().collect();
        if by_org.len() == ORGS.len() && per_replica.len() == replicas.len() {
            return by_org;
        }
        assert!(
            Instant::now() < deadline,
            "orgs not shared between {} replicas: {by_org:?}",
            replicas.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_job(http: &reqwest::Client, base: &str, org: &str, id: i64) -> String {
    wait_job_under(
        http,
        &format!("{base}/v1/orgs/{org}"),
        id,
        Duration::from_secs(90),
    )
    .await
}

/// Waits until every job of `org` has ended (its start-up reconcile, here).
async fn wait_idle(http: &reqwest::Client, base: &str, org: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = get_json(http, base, &format!("/v1/orgs/{org}/jobs")).await;
        let listed = jobs["jobs"].as_array().cloned().unwrap_or_default();
        if !listed.is_empty() && listed.iter().all(|j| j["status"] == "succeeded") {
            return;
        }
        assert!(Instant::now() < deadline, "{org} not idle: {jobs}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn three_replicas_share_four_orgs_and_take_over_a_killed_one(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let mut sims = Vec::new();
    for _ in ORGS {
        sims.push(
            spawn_sim(SimConfig {
                agents: 30,
                ..small_org()
            })
            .await,
        );
    }
    let config = orgs_config(&sims);
    let db = database_url(&db);
    let http = reqwest::Client::new();
    let a = org_replica(&sims[0], &db, &config).await;
    let b = org_replica(&sims[0], &db, &config).await;
    let mut c = org_replica(&sims[0], &db, &config).await;
    wait_shared(&http, &[&a, &b, &c], Duration::from_secs(30)).await;
    for org in ORGS {
        wait_idle(&http, &a.serve.base, org).await;
    }

    // A slow feed for every org, then SIGKILL a replica in the middle of its jobs.
    let mut jobs = Vec::new();
    for (org, sim) in ORGS.iter().zip(&sims) {
        jobs.push(post_slow_feed(&http, &format!("{}/v1/orgs/{org}", a.serve.base), sim).await);
    }
    let before = holders(&http, &[&a, &b, &c]).await;
    let victims: Vec<String> = before
        .iter()
        .filter(|(_, i)| **i == 2)
        .map(|(org, _)| org.clone())
        .collect();
    assert!(!victims.is_empty(), "c works an org: {before:?}");
    for _ in 0..100 {
        let busy = ORGS
            .iter()
            .zip(&sims)
            .filter(|(org, _)| victims.contains(&(**org).to_owned()));
        let mut written = true;
        for (_, sim) in busy {
            written &= sim.stats().await.writes >= 2;
        }
        if written {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.serve.child.kill().expect("SIGKILL");
    let _ = c.serve.child.wait();
    let killed = Instant::now();
    let after = wait_shared(&http, &[&a, &b], Duration::from_secs(30)).await;
    let takeover = killed.elapsed();
    // The lease lapses at most one lease after its last renewal; the next claim round comes
    // within a third of a lease after that.
    assert!(
        takeover < Duration::from_secs_f64(LEASE_SECS * 4.0 / 3.0 + 1.5),
        "taken over in {takeover:?}: {after:?}"
    );
    for ((org, sim), job) in ORGS.iter().zip(&sims).zip(&jobs) {
        assert_eq!(
            wait_job(&http, &a.serve.base, org, *job).await,
            "succeeded",
            "{org}"
        );
        let stats = sim.stats().await;
        assert_eq!(stats.writes_per_user.len(), 24, "{org}: {stats:?}");
        assert!(
            stats.writes_per_user.values().all(|w| *w == 1),
            "{org}: no user written twice: {:?}",
            stats.writes_per_user
        );
    }

    // Restarted, the replica gets a share again; at no look is an org worked twice.
    let c = org_replica(&sims[0], &db, &config).await;
    let shared = wait_shared(&http, &[&a, &b, &c], Duration::from_secs(30)).await;
    let mut loads = [0usize; 3];
    for i in shared.values() {
        loads[*i] += 1;
    }
    loads.sort_unstable();
    assert_eq!(loads, [1, 1, 2], "{shared:?}");
    let orgs: Value = http
        .get(format!("{}/v1/orgs", a.serve.base))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(orgs["orgs"].as_array().map(Vec::len), Some(4), "{orgs}");
    let _ = std::fs::remove_file(&config);
}
