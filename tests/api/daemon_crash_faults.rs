//! `skillsync serve` on PostgreSQL, SIGKILLed again and again in the middle of a job while the
//! platform answers 409s and 503s, leaves out expansions, lags its reads behind its writes and
//! loses the answers of writes that landed (504 after applying). After the last restart the job
//! finishes and: the platform holds the desired state, nothing outside the managed skills
//! changed, every write the platform accepted has an audit record, and no write the platform
//! acknowledged was sent again.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{
    all_skills, assert_unmanaged_untouched, database_url, small_org, spawn_sim, TestSim,
};
use crate::serve_process::{free_port, get_json, job_status, post_csv, start_serve_with, Serve};
use skillsync::sim::SimConfig;

const AGENTS: u32 = 40;
const KILLS: usize = 4;
const MANAGED: &[&str] = &["Billing_L1", "Sales_L1"];
/// Reads trail writes by this long; the daemon settles longer before verifying, and a killed
/// process stays down longer (as a restarted pod does).
const LAG_MS: u64 = 1000;
const ENV: &[(&str, &str)] = &[
    ("SKILLSYNC__RECONCILE__SETTLE_SECS", "1.5"),
    ("SKILLSYNC__PLATFORM__MAX_RETRIES", "8"),
];

async fn wait_for(http: &reqwest::Client, serve: &Serve, job: i64, tries: u32) -> String {
    let mut status = String::new();
    for _ in 0..tries {
        status = job_status(http, &serve.base, job).await;
        if status == "succeeded" || status == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

async fn writes(sim: &TestSim) -> u64 {
    sim.stats().await.writes
}

/// Every third agent loses Billing_L1 and gains Sales_L1 (a DELETE, then a PATCH that the
/// conflict window refuses); the others get new proficiencies for both (one PATCH).
fn target_feed() -> (String, BTreeMap<String, Vec<(String, f64)>>) {
    let mut csv = String::from("agent,type,name,proficiency\n");
    let mut want = BTreeMap::new();
    for n in 1..=AGENTS {
        let email = format!("agent{n:05}@example.com");
        let rows: Vec<(String, f64)> = if n % 3 == 0 {
            vec![("Sales_L1".into(), 3.0)]
        } else {
            vec![("Billing_L1".into(), 4.0), ("Sales_L1".into(), 1.0)]
        };
        for (name, p) in &rows {
            csv.push_str(&format!("{email},skill,{name},{p}\n"));
        }
        want.insert(email, rows);
    }
    (csv, want)
}

#[sqlx::test(migrations = false)]
async fn repeated_kills_under_platform_faults_converge_with_every_write_audited_once(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(SimConfig {
        agents: AGENTS,
        ..small_org()
    })
    .await;
    let users = sim.user_ids().await;
    let db = database_url(&db);
    let port = free_port();
    let http = reqwest::Client::new();

    // Everyone holds Billing_L1 first, so that the faulted job has removals to make.
    let serve = start_serve_with(&sim, &db, port, ENV).await;
    let mut seed = String::from("agent,type,name,proficiency\n");
    for n in 1..=AGENTS {
        seed.push_str(&format!("agent{n:05}@example.com,skill,Billing_L1,2\n"));
    }
    let seeded = post_csv(&http, &serve.base, seed, "partial").await;
    assert_eq!(wait_for(&http, &serve, seeded, 300).await, "succeeded");
    let before = all_skills(&sim, &users).await;

    sim.set_faults(json!({
        "latency_ms": 40,
        "lag_ms": LAG_MS,
        "conflict_window_ms": 150,
        "conflict_probability": 1.0,
        "expand_missing_rate": 1.0,
    }))
    .await;
    sim.reset_stats().await;
    let (csv, want) = target_feed();
    let job = post_csv(&http, &serve.base, csv, "snapshot").await;

    let mut serve = Some(serve);
    let mut kills = 0;
    while kills < KILLS {
        let current = match serve.take() {
            Some(s) => s,
            None => start_serve_with(&sim, &db, port, ENV).await,
        };
        // Writes have started in this life of the process.
        let start = writes(&sim).await;
        let mut done = false;
        for _ in 0..300 {
            if writes(&sim).await >= start + 3 {
                break;
            }
            if job_status(&http, &current.base, job).await == "succeeded" {
                done = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if done {
            serve = Some(current);
            break;
        }
        // A short outage (503s), two writes refused with 409 and two whose answers are lost, then
        // SIGKILL. What the process does not live to see, the next one meets.
        sim.set_faults(json!({"outage_ms": 250, "timeout_next": 2, "conflict_next": 2}))
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut current = current;
        current.child.kill().expect("SIGKILL");
        let _ = current.child.wait();
        kills += 1;
        tokio::time::sleep(Duration::from_millis(LAG_MS + 100)).await;
    }
    assert!(kills >= 2, "the job outlived at least two kills ({kills})");
    let serve = match serve {
        Some(s) => s,
        None => start_serve_with(&sim, &db, port, ENV).await,
    };
    assert_eq!(wait_for(&http, &serve, job, 1200).await, "succeeded");

    // Converged, and only the managed skills changed.
    let after = all_skills(&sim, &users).await;
    for id in &users {
        let email = sim.truth(id).await["email"]
            .as_str()
            .expect("email")
            .to_lowercase();
        let got: Vec<(String, f64)> = after[id]
            .iter()
            .filter(|(n, _)| MANAGED.contains(&n.as_str()))
            .cloned()
            .collect();
        assert_eq!(Some(&got), want.get(&email), "managed skills of {email}");
    }
    assert_unmanaged_untouched(&before, &after, MANAGED);

    let audit = get_json(&http, &serve.base, "/v1/audit?limit=1000").await;
    let entries: Vec<&Value> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        // Each restart also queues a start-up job, which may write too: every job from this one
        // on counts.
        .filter(|e| e["job_id"].as_i64().is_some_and(|id| id >= job))
        .collect();
    let count = |outcomes: &[&str]| {
        entries
            .iter()
            .filter(|e| outcomes.iter().any(|o| e["outcome"] == *o))
            .count() as u64
    };
    // A write the platform answered 2xx ended its intent as `ok`, or the process died before
    // it could say so (`pending`, later `unknown`): so no accepted write lacks a record.
    let stats = sim.stats().await;
    let accepted: u64 = stats
        .requests
        .iter()
        .filter(|r| {
            // Minting a token is a POST too, but not a write to the org.
            r.path.starts_with("/api/v2/")
                && skillsync::sim::stats::is_write(&r.method)
                && (200..300).contains(&r.status)
        })
        .map(|r| r.count)
        .sum();
    let recorded = count(&["ok", "pending", "unknown"]);
    assert!(
        accepted <= recorded,
        "every accepted write is in the audit log ({accepted} accepted, {recorded} recorded)"
    );
    assert!(
        stats.requests.iter().any(|r| r.status == 409)
            && stats.requests.iter().any(|r| r.status == 503)
            && stats.requests.iter().any(|r| r.status == 504),
        "the faults happened: {stats:?}"
    );
    // No acknowledged write went out again: each (user, call, changes) is `ok` at most once.
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for e in entries.iter().filter(|e| e["outcome"] == "ok") {
        let key = format!("{} {} {}", e["user_id"], e["call"], e["changes"]);
        *seen.entry(key).or_default() += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "landed writes sent again: {repeated:?}"
    );
}
