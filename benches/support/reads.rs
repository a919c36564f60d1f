//! Benchmarks 2 and 3 of `benches/daemon.rs`: platform calls per full scan of an org that
//! matches its desired state, and status API latency with the org's users observed, alone and
//! with the web console's Overview requested beside it.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;
use serde_json::Value;

use crate::common::{all_entities, fetch_token, start_sim, Sim};
use crate::daemon_proc::{Daemon, Database};
use crate::load::{open_loop, LoadReport};
use crate::sim_calls::job_seconds;
use crate::Scale;

/// A snapshot feed of what every user holds now; every `drift_every`-th user with a skill
/// (if any) asks for a different proficiency of its first skill.
fn feed_of(users: &[Value], drift_every: Option<usize>) -> (Vec<u8>, usize) {
    let mut csv = String::from("agent,type,name,proficiency\n");
    let mut drifted = 0;
    for (i, user) in users.iter().enumerate() {
        let email = user["email"].as_str().unwrap_or_default();
        let empty = Vec::new();
        let skills = user["skills"].as_array().unwrap_or(&empty);
        for (k, skill) in skills.iter().enumerate() {
            let mut p = skill["proficiency"].as_f64().unwrap_or(0.0);
            if k == 0 && drift_every.is_some_and(|n| i % n == 0) {
                p = if p >= 3.0 { 1.0 } else { 4.0 };
                drifted += 1;
            }
            csv.push_str(&format!(
                "{email},skill,{},{p}\n",
                skill["name"].as_str().unwrap_or_default()
            ));
        }
        for language in user["languages"].as_array().unwrap_or(&empty) {
            csv.push_str(&format!(
                "{email},language,{},{}\n",
                language["name"].as_str().unwrap_or_default(),
                language["proficiency"].as_f64().unwrap_or(0.0)
            ));
        }
        for cert in user["certifications"].as_array().unwrap_or(&empty) {
            csv.push_str(&format!(
                "{email},certification,{},\n",
                cert.as_str().unwrap_or_default()
            ));
        }
    }
    (csv.into_bytes(), drifted)
}

async fn stats(sim: &Sim) -> Value {
    reqwest::get(format!("{}/sim/stats", sim.base))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json")
}

async fn reset_stats(sim: &Sim) {
    reqwest::Client::new()
        .post(format!("{}/sim/stats/reset", sim.base))
        .send()
        .await
        .expect("reset");
}

/// POSTs a snapshot feed and waits for its job; returns the job.
async fn post_and_settle(daemon: &Daemon, csv: Vec<u8>) -> Value {
    let (status, body) = daemon
        .post("/v1/feeds?scope=snapshot&source=bench", "text/csv", csv)
        .await;
    assert_eq!(status, 202, "{body}");
    let id = body["job_id"].as_i64().expect("job id");
    daemon.wait_job(id, Duration::from_secs(600)).await.0
}

/// Additions, updates and removals in a job's plan.
fn changes(job: &Value) -> u64 {
    let summary = &job["plan"]["summary"];
    ["additions", "updates", "removals"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap_or(0))
        .sum()
}

/// Full scans with nothing to change: calls by path, per scan.
async fn steady_state(scale: &Scale, sim: &Sim, daemon: &Daemon) {
    println!(
        "## daemon: steady state, full scans of {} users with nothing to change\n",
        scale.scan_agents
    );
    println!(
        "| scan | job | job seconds | changes planned | calls | calls by method, path and status |"
    );
    println!("|---:|---|---:|---:|---:|---|");
    for n in 1..=scale.scans {
        reset_stats(sim).await;
        let (status, body) = daemon
            .post("/v1/reconcile", "application/json", b"{}".to_vec())
            .await;
        assert_eq!(status, 202, "{body}");
        let id = body["job_id"].as_i64().expect("job id");
        let (job, _) = daemon.wait_job(id, Duration::from_secs(600)).await;
        let report = stats(sim).await;
        let calls: Vec<String> = report["requests"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{} {} {} × {}",
                            r["method"].as_str().unwrap_or_default(),
                            r["path"].as_str().unwrap_or_default(),
                            r["status"],
                            r["count"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "| {n} | {} | {:.2} | {} | {} | {} |",
            job["status"].as_str().unwrap_or_default(),
            job_seconds(&job),
            changes(&job),
            report["total"],
            calls.join("; ")
        );
    }
    println!(
        "\nuser pages at users_page_size = 500: {}\n",
        (scale.scan_agents as usize).div_ceil(500)
    );
}

fn latency_row(case: &str, endpoint: &str, rate: u32, r: &LoadReport) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {case} | {endpoint} | {rate} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} |",
        r.sent,
        r.errors,
        r.achieved_rate(),
        ms(r.quantile(0.5)),
        ms(r.quantile(0.9)),
        ms(r.quantile(0.99)),
        ms(r.max())
    );
}

/// `GET /v1/drift` and (with `agents`) `GET /v1/agents/{key}` at `scale.rate` for
/// `scale.duration` each.
async fn latencies(scale: &Scale, daemon: &Daemon, case: &str, agents: bool) {
    let http = reqwest::Client::new();
    let drift_url = daemon.url("/v1/drift");
    let drift = open_loop(&http, scale.rate, scale.duration, |_| drift_url.clone()).await;
    latency_row(case, "GET /v1/drift", scale.rate, &drift);
    if !agents {
        return;
    }
    let users = scale.scan_agents;
    let mut rng = rand::rng();
    let keys: Vec<u32> = (0..(scale.rate as u64 * scale.duration.as_secs() + 1))
        .map(|_| rng.random_range(1..=users))
        .collect();
    let agent = open_loop(&http, scale.rate, scale.duration, |i| {
        daemon.url(&format!(
            "/v1/agents/agent{:05}@example.com",
            keys[i % keys.len()]
        ))
    })
    .await;
    latency_row(case, "GET /v1/agents/{key}", scale.rate, &agent);
}

/// Console Overviews requested per second beside the status API's load: a few operators
/// reloading the console while the dashboards poll.
const CONSOLE_RATE: u32 = 5;

/// `GET /v1/drift` at `scale.rate` again, while the console's Overview (`GET /`) is requested
/// at [`CONSOLE_RATE`] beside it; and the Overview's own latency meanwhile.
async fn latencies_beside_the_console(scale: &Scale, daemon: &Daemon, case: &str) {
    let http = reqwest::Client::new();
    let (page_url, drift_url) = (daemon.url("/"), daemon.url("/v1/drift"));
    let (drift, console) = tokio::join!(
        open_loop(&http, scale.rate, scale.duration, |_| drift_url.clone()),
        open_loop(&http, CONSOLE_RATE, scale.duration, |_| page_url.clone()),
    );
    let case = format!("{case}, console open");
    latency_row(&case, "GET /v1/drift", scale.rate, &drift);
    latency_row(&case, "GET / (console Overview)", CONSOLE_RATE, &console);
}

async fn drift_summary(daemon: &Daemon) -> String {
    let page = daemon.get_json("/v1/drift?limit=100").await;
    let bytes = serde_json::to_vec(&page).map_or(0, |b| b.len());
    format!(
        "observed {}, drifted {}, page of {} agents = {:.0} kB",
        page["summary"]["observed"],
        page["summary"]["drifted"],
        page["agents"].as_array().map_or(0, Vec::len),
        bytes as f64 / 1024.0
    )
}

/// Benchmarks 2 and 3 on one database and one org.
pub async fn run(scale: &Scale, db: &Database) {
    let users = scale.scan_agents.to_string();
    let sim = start_sim(&["--agents", &users, "--skills", "60", "--seed", "7"]).await;
    let http = reqwest::Client::new();
    let token = fetch_token(&http, &sim.base).await;
    let org = all_entities(
        &http,
        &sim.base,
        &token,
        "/api/v2/users?expand=skills,languages,certifications",
    )
    .await;

    // Enforce (the default): the start-up job scans the org, the feed says what it holds.
    let daemon = Daemon::start(&sim.base, &db.url(), &[]).await;
    let startup = daemon.newest_job().await;
    let (job, took) = daemon.wait_job(startup, Duration::from_secs(600)).await;
    println!(
        "start-up scan of {users} users: job {} in {:.2} s",
        job["status"].as_str().unwrap_or_default(),
        took.as_secs_f64()
    );
    let job = post_and_settle(&daemon, feed_of(&org, None).0).await;
    println!(
        "feed of the org's current state: job {} in {:.2} s, plan summary {}\n",
        job["status"].as_str().unwrap_or_default(),
        job_seconds(&job),
        job["plan"]["summary"]
    );
    steady_state(scale, &sim, &daemon).await;

    // This server may run without autovacuum; then the agents table, filled and rewritten by
    // the scans, never gets statistics or a visibility map unless asked.
    let autovacuum = db.autovacuum().await;
    println!(
        "## daemon: read latency, open loop, {users} agents observed, {:?} per run (autovacuum {})\n",
        scale.duration,
        if autovacuum { "on" } else { "off" }
    );
    println!("| drift | statistics | endpoint | req/s | sent | errors | answered/s | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let converged = drift_summary(&daemon).await;
    if !autovacuum {
        latencies(scale, &daemon, "none | none (never analyzed)", false).await;
    }
    db.vacuum_analyze().await;
    latencies(scale, &daemon, "none | VACUUM ANALYZE", true).await;
    latencies_beside_the_console(scale, &daemon, "none | VACUUM ANALYZE").await;
    drop(daemon);

    // Report: a feed that differs for every 10th agent leaves that drift standing.
    let report = [
        ("SKILLSYNC__POLICY__SKILLS", "report"),
        ("SKILLSYNC__POLICY__LANGUAGES", "report"),
        ("SKILLSYNC__POLICY__CERTIFICATIONS", "report"),
    ];
    let daemon = Daemon::start(&sim.base, &db.url(), &report).await;
    let startup = daemon.newest_job().await;
    daemon.wait_job(startup, Duration::from_secs(600)).await;
    let (csv, drifted) = feed_of(&org, Some(10));
    post_and_settle(&daemon, csv).await;
    let drifting = drift_summary(&daemon).await;
    db.vacuum_analyze().await;
    let case = format!("{drifted} agents (report) | VACUUM ANALYZE");
    latencies(scale, &daemon, &case, true).await;
    latencies_beside_the_console(scale, &daemon, &case).await;
    let mut by_state: BTreeMap<&str, String> = BTreeMap::new();
    by_state.insert("none", converged);
    by_state.insert("10 %", drifting);
    println!("\nGET /v1/drift?limit=100 (the default page): {by_state:?}\n");
}
