//! Simulator throughput and memory, against the release binary on loopback.
//!
//! `cargo bench --bench sim` runs the full measurement and prints a table; under `cargo test`
//! (no `--bench` argument) it runs a one-second smoke version so that it cannot rot.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};

use common::{all_entities, fetch_token, start_sim};

/// Ids of every user and skill.
async fn inventory(http: &reqwest::Client, base: &str, token: &str) -> (Vec<String>, Vec<String>) {
    let ids = |entities: Vec<Value>| -> Vec<String> {
        entities
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_string))
            .collect()
    };
    (
        ids(all_entities(http, base, token, "/api/v2/users").await),
        ids(all_entities(http, base, token, "/api/v2/routing/skills").await),
    )
}

#[derive(Clone, Copy)]
enum Scenario {
    PatchBulk,
    UserSkills,
    UsersPage,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::PatchBulk => "PATCH /users/{id}/routingskills/bulk (2 items)",
            Self::UserSkills => "GET /users/{id}/routingskills",
            Self::UsersPage => "GET /users?expand=skills&pageSize=100",
        }
    }
}

struct Outcome {
    requests: u64,
    /// 400s: bulk PATCHes that would push a user past 50 skills, which the platform refuses.
    rejected: u64,
    errors: u64,
    bytes: u64,
    seconds: f64,
}

async fn load(
    scenario: Scenario,
    base: Arc<String>,
    token: Arc<String>,
    users: Arc<Vec<String>>,
    skills: Arc<Vec<String>>,
    duration: Duration,
    concurrency: usize,
) -> Outcome {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let pages = (users.len() / 100).max(1);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (http, base, token, users, skills) = (
            http.clone(),
            base.clone(),
            token.clone(),
            users.clone(),
            skills.clone(),
        );
        let (requests, errors, rejected, bytes) = (
            requests.clone(),
            errors.clone(),
            rejected.clone(),
            bytes.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = worker;
            while Instant::now() < deadline {
                n += concurrency;
                let user = &users[n % users.len()];
                let req = match scenario {
                    Scenario::PatchBulk => {
                        let (a, b, p) = {
                            let mut rng = rand::rng();
                            (
                                rng.random_range(0..skills.len()),
                                rng.random_range(0..skills.len()),
                                rng.random_range(0..=10),
                            )
                        };
                        let body = json!([
                            {"id": skills[a], "proficiency": f64::from(p) / 2.0},
                            {"id": skills[b], "proficiency": 3}
                        ]);
                        http.patch(format!("{base}/api/v2/users/{user}/routingskills/bulk"))
                            .json(&body)
                    }
                    Scenario::UserSkills => {
                        http.get(format!("{base}/api/v2/users/{user}/routingskills"))
                    }
                    Scenario::UsersPage => http.get(format!(
                        "{base}/api/v2/users?expand=skills&pageSize=100&pageNumber={}",
                        n % pages + 1
                    )),
                };
                match req.bearer_auth(token.as_str()).send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let body = resp.bytes().await.map(|b| b.len() as u64).unwrap_or(0);
                        bytes.fetch_add(body, Ordering::Relaxed);
                        if status.as_u16() == 400 {
                            rejected.fetch_add(1, Ordering::Relaxed);
                        } else if !status.is_success() {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                requests.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    Outcome {
        requests: requests.load(Ordering::Relaxed),
        rejected: rejected.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Resident and peak memory of a process, in MiB, from /proc.
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (agents, seconds, big_agents) = if full {
        (10_000, 5, 100_000)
    } else {
        (500, 1, 2_000)
    };
    let duration = Duration::from_secs(seconds);

    println!("## Simulator throughput ({agents} agents, rate limit off, 32 connections, {seconds} s each)\n");
    println!("| scenario | requests | req/s | 400 (cap) | errors | MiB/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    let sim = start_sim(&["--agents", &agents.to_string(), "--skills", "200"]).await;
    let http = reqwest::Client::new();
    let token = fetch_token(&http, &sim.base).await;
    let (users, skills) = inventory(&http, &sim.base, &token).await;
    let (base, token, users, skills) = (
        Arc::new(sim.base.clone()),
        Arc::new(token),
        Arc::new(users),
        Arc::new(skills),
    );
    for scenario in [
        Scenario::PatchBulk,
        Scenario::UserSkills,
        Scenario::UsersPage,
    ] {
        let o = load(
            scenario,
            base.clone(),
            token.clone(),
            users.clone(),
            skills.clone(),
            duration,
            32,
        )
        .await;
        println!(
            "| {} | {} | {:.0} | {} | {} | {:.1} |",
            scenario.name(),
            o.requests,
            o.requests as f64 / o.seconds,
            o.rejected,
            o.errors,
            o.bytes as f64 / o.seconds / 1_048_576.0
        );
        assert_eq!(o.errors, 0, "{} had errors", scenario.name());
    }
    drop(sim);

    println!("\n## Simulator memory ({big_agents} agents, ~20 skills each, 400 skills defined)\n");
    let started = Instant::now();
    let sim = start_sim(&[
        "--agents",
        &big_agents.to_string(),
        "--skills",
        "400",
        "--mean-skills",
        "20",
    ])
    .await;
    let startup = started.elapsed();
    let token = fetch_token(&http, &sim.base).await;
    let (users, _) = inventory(&http, &sim.base, &token).await;
    assert_eq!(users.len(), big_agents);
    let (rss, peak) = memory_mib(sim.child.id());
    println!("| agents | start-up s | RSS MiB | peak RSS MiB |");
    println!("|---:|---:|---:|---:|");
    println!(
        "| {big_agents} | {:.2} | {rss:.0} | {peak:.0} |",
        startup.as_secs_f64()
    );
}
