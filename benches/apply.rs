//! The cost of `apply`, in platform calls first and time second, against the release
//! simulator on loopback.
//!
//! `cargo bench --bench apply` prints three tables:
//! 1. calls against the floor (pages of users + drifted agents + removals) on a 10,000-agent org
//!    with 20 % of agents drifted, beside the common script pattern (one GET and one PATCH per
//!    agent) on the same org;
//! 2. budget use: a run of over 60 s against a 300/min simulator budget with the same configured;
//! 3. agents converged per second with the budget off.
//!
//! Without `--bench` (under `cargo test`) it runs a seconds-long smoke version.

#[path = "support/apply_run.rs"]
mod apply_run;
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use serde_json::{json, Value};

use apply_run::apply_csv;
use common::{all_entities, fetch_token, start_sim, Sim};
use skillsync::cli::apply::ApplyReport;
use skillsync::config::Settings;
use skillsync::domain::FeedScope;

const MANAGED: [&str; 6] = [
    "Billing_L1",
    "Billing_L2",
    "Sales_L1",
    "Claims_L1",
    "Retention_L3",
    "TechSupport_L2",
];

/// Current managed skills per agent email, read through the API before measuring.
async fn managed_state(sim: &Sim) -> BTreeMap<String, BTreeMap<String, f64>> {
    let http = reqwest::Client::new();
    let token = fetch_token(&http, &sim.base).await;
    let users = all_entities(&http, &sim.base, &token, "/api/v2/users?expand=skills").await;
    users
        .iter()
        .map(|u| {
            let skills = u["skills"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .filter(|a| MANAGED.contains(&a["name"].as_str().unwrap_or_default()))
                        .map(|a| {
                            (
                                a["name"].as_str().unwrap_or_default().to_string(),
                                a["proficiency"].as_f64().unwrap_or(0.0),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (u["email"].as_str().unwrap_or_default().to_string(), skills)
        })
        .collect()
}

struct Feed {
    csv: String,
    drifted: usize,
    removals: usize,
}

/// A snapshot that keeps every agent as it is except every `1/share`-th, whose managed skills
/// are replaced.
fn drifted_feed(
    current: &BTreeMap<String, BTreeMap<String, f64>>,
    every: usize,
    limit: usize,
) -> Feed {
    let mut csv = String::from("agent,type,name,proficiency\n");
    let (mut drifted, mut removals) = (0, 0);
    for (i, (email, have)) in current.iter().enumerate() {
        let want: BTreeMap<String, f64> = if i % every == 0 && drifted < limit {
            [
                (MANAGED[0].to_string(), (i % 10) as f64 / 2.0),
                (MANAGED[2].to_string(), 3.0),
            ]
            .into()
        } else {
            have.clone()
        };
        if &want != have {
            drifted += 1;
            removals += have.keys().filter(|k| !want.contains_key(*k)).count();
        }
        for (name, p) in &want {
            csv.push_str(&format!("{email},skill,{name},{p}\n"));
        }
    }
    for name in MANAGED {
        csv.push_str(&format!("nobody@example.invalid,skill,{name},1\n"));
    }
    Feed {
        csv,
        drifted,
        removals,
    }
}

fn settings(sim: &Sim, rpm: u32, concurrency: usize) -> Settings {
    let mut s = Settings::defaults().expect("defaults");
    s.platform.base_url = sim.base.clone();
    s.platform.requests_per_minute = rpm;
    s.platform.max_concurrency = concurrency;
    s.reconcile.settle_secs = 0.0;
    s
}

/// With `audit`, the run journals into that JSON Lines file as `skillsync apply` does.
async fn run_apply(
    settings: &Settings,
    csv: &str,
    audit: Option<&std::path::Path>,
) -> (ApplyReport, skillsync::platform::CallCounts) {
    let genesys = &skillsync::platform::scales::GENESYS;
    let Some(path) = audit else {
        let journals = &skillsync::platform::NoJournal;
        return apply_csv(settings, csv, FeedScope::Snapshot, genesys, journals).await;
    };
    let record = skillsync::cli::audit::Audit::open(Some(path), None, "default", path)
        .await
        .expect("audit file");
    let ran = apply_csv(settings, csv, FeedScope::Snapshot, genesys, &record).await;
    record.finish().await.expect("every result recorded");
    ran
}

/// The common admin script: for each agent, GET its skills, then PATCH the wanted ones.
async fn script_pattern(
    sim: &Sim,
    current: &BTreeMap<String, BTreeMap<String, f64>>,
) -> (u64, Duration) {
    let http = reqwest::Client::new();
    let token = fetch_token(&http, &sim.base).await;
    let users = all_entities(&http, &sim.base, &token, "/api/v2/users").await;
    let skills: BTreeMap<String, String> =
        all_entities(&http, &sim.base, &token, "/api/v2/routing/skills")
            .await
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap_or_default().to_string(),
                    s["id"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
    let started = Instant::now();
    let calls: u64 = stream::iter(
        users
            .iter()
            .filter(|u| current.contains_key(u["email"].as_str().unwrap_or_default())),
    )
    .map(|u| {
        let (http, token, skills) = (&http, &token, &skills);
        async move {
            let id = u["id"].as_str().unwrap_or_default();
            let _ = http
                .get(format!("{}/api/v2/users/{id}/routingskills", sim.base))
                .bearer_auth(token)
                .send()
                .await;
            let body = json!([{"id": skills[MANAGED[0]], "proficiency": 3}]);
            let _ = http
                .patch(format!("{}/api/v2/users/{id}/routingskills/bulk", sim.base))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await;
            2u64
        }
    })
    .buffer_unordered(8)
    .fold(0, |a, b| async move { a + b })
    .await;
    (calls, started.elapsed())
}

async fn sim_throttled(sim: &Sim) -> u64 {
    let v: Value = reqwest::get(format!("{}/sim/stats", sim.base))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    v["throttled"].as_u64().unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (agents, budget_agents, budget_drift) = if full {
        (10_000usize, 2_000usize, 400usize)
    } else {
        (500, 100, 10)
    };

    // 1 + 3: calls against the floor, and throughput with the budget off.
    let sim = start_sim(&[
        "--agents",
        &agents.to_string(),
        "--skills",
        "60",
        "--seed",
        "3",
    ])
    .await;
    let current = managed_state(&sim).await;
    let feed = drifted_feed(&current, 5, usize::MAX);
    let pages = agents.div_ceil(500) as u64;
    let floor = pages + feed.drifted as u64 + feed.removals as u64;
    let mut rows = Vec::new();
    let audit_dir = std::env::temp_dir().join(format!("skillsync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&audit_dir).expect("temp dir");
    let audit_file = audit_dir.join("apply.audit.jsonl");
    for (concurrency, audit) in [(8, None), (32, None), (8, Some(audit_file.as_path()))] {
        // Each run starts from the same org.
        let sim = start_sim(&[
            "--agents",
            &agents.to_string(),
            "--skills",
            "60",
            "--seed",
            "3",
        ])
        .await;
        let (report, calls) =
            run_apply(&settings(&sim, 1_000_000, concurrency), &feed.csv, audit).await;
        rows.push((concurrency, audit.is_some(), report, calls));
    }
    let audit_lines = std::fs::read_to_string(&audit_file)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&audit_dir);
    let (script_calls, script_time) = script_pattern(&sim, &current).await;
    drop(sim);

    println!(
        "## apply: platform calls ({agents} agents, {} drifted = {:.0} %, {} removals)\n",
        feed.drifted,
        feed.drifted as f64 * 100.0 / agents as f64,
        feed.removals
    );
    println!("| run | calls | floor | calls / floor | writes | reads | wall s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (_, _, report, calls) = &rows[0];
    println!(
        "| skillsync apply (concurrency 8) | {} | {floor} | {:.3} | {} | {} | {:.2} |",
        calls.total(),
        calls.total() as f64 / floor as f64,
        calls.writes(),
        calls.total() - calls.writes(),
        report.elapsed.as_secs_f64()
    );
    println!(
        "| script pattern (GET + PATCH per agent) | {script_calls} | {floor} | {:.3} | {} | {} | {:.2} |",
        script_calls as f64 / floor as f64,
        script_calls / 2,
        script_calls / 2,
        script_time.as_secs_f64()
    );
    println!("\nskillsync calls by kind: {:?}\n", calls.calls);

    println!(
        "## apply: throughput with the budget off ({agents} agents, {} written)\n",
        feed.drifted
    );
    println!(
        "| max_concurrency | audit record | wall s | agents reconciled/s | agents written/s |"
    );
    println!("|---:|---|---:|---:|---:|");
    for (concurrency, audited, report, _) in &rows {
        let secs = report.elapsed.as_secs_f64();
        let record = if *audited {
            format!("JSON Lines file ({audit_lines} lines, synced per line)")
        } else {
            "none".to_string()
        };
        println!(
            "| {concurrency} | {record} | {secs:.2} | {:.0} | {:.0} |",
            agents as f64 / secs,
            report.agents_changed as f64 / secs
        );
    }

    // 2: budget use at 300/min on both sides.
    let sim = start_sim(&[
        "--agents",
        &budget_agents.to_string(),
        "--skills",
        "60",
        "--seed",
        "5",
        "--rate-limit",
        "300",
    ])
    .await;
    let current = managed_state(&sim).await;
    let feed = drifted_feed(&current, 2, budget_drift);
    let (report, calls) = run_apply(&settings(&sim, 300, 8), &feed.csv, None).await;
    let minutes = report.elapsed.as_secs_f64() / 60.0;
    // The token mint goes to the login endpoint, outside the API budget, so it is not counted.
    println!("\n## apply: budget use (simulator and skillsync both at 300 requests/min)\n");
    println!("| agents | drifted | calls | wall s | calls/min | budget used | 429s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {budget_agents} | {} | {} | {:.1} | {:.1} | {:.1} % | {} |",
        feed.drifted,
        calls.total() - 1,
        report.elapsed.as_secs_f64(),
        (calls.total() - 1) as f64 / minutes,
        (calls.total() - 1) as f64 / minutes / 3.0,
        sim_throttled(&sim).await
    );
}
