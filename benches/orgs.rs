//! Many orgs and replicas (issue 14): release `skillsync serve` replicas on one throw-away
//! PostgreSQL database, configured by a TOML file with an `[orgs.NAME]` table per org, each org a
//! release `skillsync sim` of its own with its own platform budget.
//!
//! `cargo bench --bench orgs` prints:
//! 1. `scale`: 8 orgs of 2,000 agents, a partial feed per org that drifts 400 of them (each gains
//!    a skill it does not hold), each org paced at 300 requests per minute; on 1, 2 and 4
//!    replicas, the time from posting the 8 feeds until every org's job has succeeded and its
//!    drift summary shows no drifted agent, against the per-org budget floor (the calls each
//!    org's run made, from its simulator's `/sim/stats`, ÷ 300 per minute; the slowest org's);
//! 2. `certs`: 20 certifications expiring a few seconds apart while a 900-agent feed job of the
//!    same org is paced at 300 per minute: how long after each expiry instant its gate skill and
//!    entry were gone from the simulator (min, median, p90, max).
//!
//! `cargo bench --bench orgs -- certs` (or `scale`) runs one part. Without `--bench` (under
//! `cargo test`) it runs a seconds-long smoke version; without a PostgreSQL server at
//! `DATABASE_URL` it says so and does nothing.

mod common;
// Memory sampling is the daemon bench's.
#[allow(dead_code)]
#[path = "support/daemon_proc.rs"]
mod daemon_proc;
#[path = "support/org_fleet.rs"]
mod org_fleet;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use common::start_sim;
use daemon_proc::Database;
use org_fleet::{
    define_skills, org_job, org_tables, paced_calls, reset_sim_stats, settled, sim_stats, truth,
    users, wait_settled_and_even, ConfigFile, Replica,
};

/// How big each scenario is.
struct Scale {
    /// Orgs, one simulator each.
    orgs: usize,
    /// Agents per org.
    agents: u32,
    /// Every `drift_every`-th agent is in the feed with a skill it does not hold.
    drift_every: u32,
    /// Each org's budget, `[orgs.NAME.platform] requests_per_minute`.
    requests_per_minute: u32,
    /// The simulators' rate limit per token and minute.
    sim_rate_limit: u32,
    /// Replica counts, one scenario each.
    replicas: &'static [usize],
    /// `reconcile.lease_secs`: short, so that the replicas spread the orgs in seconds.
    lease_secs: u32,
    /// `reconcile.settle_secs`, the wait between a write and its verifying re-read, of the
    /// scale part; `None` leaves it unset (the platform's default, 60 s for Genesys).
    settle_secs: Option<f64>,
    /// The same for the certification part.
    cert_settle_secs: Option<f64>,
    /// Agents in the long feed job of the certification part.
    long_job_agents: u32,
    /// Certifications expiring during it.
    expiries: u32,
    /// Seconds between two expiries.
    expiry_spacing_secs: i64,
    /// Seconds from the grant to the first expiry.
    first_expiry_secs: i64,
    /// The certification part's budget.
    cert_requests_per_minute: u32,
}

const FULL: Scale = Scale {
    orgs: 8,
    agents: 2_000,
    drift_every: 5,
    requests_per_minute: 300,
    sim_rate_limit: 330,
    replicas: &[1, 2, 4],
    lease_secs: 3,
    settle_secs: Some(5.0),
    cert_settle_secs: None,
    long_job_agents: 900,
    expiries: 20,
    expiry_spacing_secs: 4,
    first_expiry_secs: 40,
    cert_requests_per_minute: 300,
};

const SMOKE: Scale = Scale {
    orgs: 2,
    agents: 50,
    drift_every: 5,
    requests_per_minute: 6_000,
    sim_rate_limit: 0,
    replicas: &[1, 2],
    lease_secs: 3,
    settle_secs: Some(0.2),
    cert_settle_secs: Some(0.2),
    long_job_agents: 40,
    expiries: 2,
    expiry_spacing_secs: 1,
    first_expiry_secs: 4,
    cert_requests_per_minute: 6_000,
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // `settle=N` (seconds) or `settle=default` overrides `reconcile.settle_secs` of both parts.
    let settle = only.iter().find_map(|a| a.strip_prefix("settle="));
    let only: Vec<&str> = only.into_iter().filter(|a| !a.contains('=')).collect();
    let wanted = |part: &str| only.is_empty() || only.contains(&part);
    let mut scale = if full { FULL } else { SMOKE };
    if let Some(settle) = settle {
        let secs = (settle != "default").then(|| settle.parse().expect("settle=SECONDS"));
        scale.settle_secs = secs;
        scale.cert_settle_secs = secs;
    }
    let admin_url = daemon_proc::admin_url();
    daemon_proc::print_machine();
    if Database::create(&admin_url).await.is_none() {
        println!("no PostgreSQL at DATABASE_URL ({admin_url}); skipped");
        return;
    }
    if wanted("scale") {
        let mut rows = Vec::new();
        for &replicas in scale.replicas {
            let db = Database::create(&admin_url).await.expect("a database");
            rows.push(scale_scenario(&scale, replicas, &db).await);
        }
        println!(
            "## orgs: {} orgs × {} agents, {} % drifted, {} requests/min per org, settle_secs {}\n",
            scale.orgs,
            scale.agents,
            100 / scale.drift_every,
            scale.requests_per_minute,
            settle_label(scale.settle_secs)
        );
        println!(
            "| replicas | total s | floor s (slowest org) | ratio | org finish min–max s | 429s |"
        );
        println!("|---:|---:|---:|---:|---:|---:|");
        for row in &rows {
            println!("{}", row.line);
        }
        println!();
        for row in &rows {
            print!("{}", row.detail);
        }
    }
    if wanted("certs") {
        let db = Database::create(&admin_url).await.expect("a database");
        certs(&scale, &db).await;
    }
}

/// The `settle_secs` line of `[reconcile]`; none for the platform's default.
fn settle_line(secs: Option<f64>) -> String {
    secs.map_or_else(String::new, |s| format!("settle_secs = {s}\n"))
}

/// Shown in the headings.
fn settle_label(secs: Option<f64>) -> String {
    secs.map_or_else(|| "platform default (60 s)".into(), |s| format!("{s} s"))
}

/// One scenario's table row and its details.
struct Row {
    line: String,
    detail: String,
}

/// Part 1 on `replicas` replicas.
async fn scale_scenario(scale: &Scale, replicas: usize, db: &Database) -> Row {
    let http = reqwest::Client::new();
    let orgs: Vec<String> = (1..=scale.orgs).map(|i| format!("org{i}")).collect();
    let mut sims = Vec::new();
    for i in 0..scale.orgs {
        let sim = start_sim(&[
            "--agents",
            &scale.agents.to_string(),
            "--seed",
            &(i + 1).to_string(),
            "--rate-limit",
            &scale.sim_rate_limit.to_string(),
        ])
        .await;
        define_skills(&http, &sim, &["Bench_Drift"]).await;
        sims.push(sim);
    }
    let named: Vec<(String, String)> = orgs
        .iter()
        .cloned()
        .zip(sims.iter().map(|s| s.base.clone()))
        .collect();
    let config = ConfigFile::write(&format!(
        "[reconcile]\nlease_secs = {}\n{}scan_cron = \"0 0 0 1 1 *\"\n\n{}",
        scale.lease_secs,
        settle_line(scale.settle_secs),
        org_tables(&named, scale.requests_per_minute)
    ));
    let mut fleet = Vec::new();
    for _ in 0..replicas {
        fleet.push(Replica::start(&sims[0].base, &db.url(), &config, &[]).await);
    }
    let spread = wait_settled_and_even(&fleet, &orgs, Duration::from_secs(600)).await;
    for sim in &sims {
        reset_sim_stats(&http, sim).await;
    }

    let mut feeds = Vec::new();
    for _ in &orgs {
        let mut csv = String::from("agent,type,name,proficiency,issued_on,expires_on\n");
        for j in (scale.drift_every..=scale.agents).step_by(scale.drift_every as usize) {
            writeln!(csv, "agent{j:05}@example.com,skill,Bench_Drift,3,,").expect("write");
        }
        feeds.push(csv.into_bytes());
    }
    let sent = Instant::now();
    let mut jobs = Vec::new();
    for (i, (org, csv)) in orgs.iter().zip(feeds).enumerate() {
        // Every replica serves every org's API: the posts go round the replicas.
        let daemon = &fleet[i % replicas].daemon;
        let (status, body) = daemon
            .post(
                &format!("/v1/orgs/{org}/feeds?scope=partial&source=hr"),
                "text/csv",
                csv,
            )
            .await;
        assert_eq!(status, 202, "{org}: {body}\n{}", daemon.log_tail());
        jobs.push(body["job_id"].as_i64().expect("job id"));
    }
    let posted = sent.elapsed();

    let limit = Duration::from_secs(1_800);
    let mut finished: Vec<Option<(Duration, u64, u64, serde_json::Value)>> = vec![None; orgs.len()];
    let reader = &fleet[0].daemon;
    while finished.iter().any(Option::is_none) {
        assert!(
            sent.elapsed() < limit,
            "not every org finished in {limit:?}\n{}",
            reader.log_tail()
        );
        for (i, org) in orgs.iter().enumerate() {
            if finished[i].is_some() {
                continue;
            }
            let job = org_job(reader, org, jobs[i]).await;
            let status = job["status"].as_str().unwrap_or_default();
            if !settled(status) {
                continue;
            }
            assert_eq!(status, "succeeded", "{org}: {job}\n{}", reader.log_tail());
            let drift = reader
                .get_json(&format!("/v1/orgs/{org}/drift?limit=1"))
                .await;
            if drift["summary"]["drifted"].as_u64() != Some(0) {
                continue;
            }
            let at = sent.elapsed();
            let stats = sim_stats(&http, &sims[i]).await;
            let (calls, _) = paced_calls(&stats);
            let throttled = stats["throttled"].as_u64().unwrap_or(0);
            finished[i] = Some((at, calls, throttled, job));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let done: Vec<_> = finished.into_iter().map(|f| f.expect("finished")).collect();
    let total = done.iter().map(|d| d.0).max().unwrap_or_default();
    let first = done.iter().map(|d| d.0).min().unwrap_or_default();
    let floor_secs = |calls: u64| calls as f64 * 60.0 / f64::from(scale.requests_per_minute);
    let floor = done.iter().map(|d| floor_secs(d.1)).fold(0.0, f64::max);
    let throttled: u64 = done.iter().map(|d| d.2).sum();
    let line = format!(
        "| {replicas} | {:.1} | {floor:.1} | {:.2} | {:.1}–{:.1} | {throttled} |",
        total.as_secs_f64(),
        total.as_secs_f64() / floor,
        first.as_secs_f64(),
        total.as_secs_f64()
    );

    let mut detail = format!(
        "### {replicas} replica(s): orgs spread and start-up jobs settled {:.1} s after the last replica answered; \
         {} feeds posted in {:.2} s\n\n| org | finish s | calls | floor s | 429s | replica | job plan summary |\n|---|---:|---:|---:|---:|---:|---|\n",
        spread.as_secs_f64(),
        orgs.len(),
        posted.as_secs_f64()
    );
    let mut owner = vec![String::new(); orgs.len()];
    for (r, replica) in fleet.iter().enumerate() {
        for org in replica.leading().await {
            if let Some(i) = orgs.iter().position(|o| *o == org) {
                owner[i] = r.to_string();
            }
        }
    }
    for (i, org) in orgs.iter().enumerate() {
        let (at, calls, throttled, job) = &done[i];
        writeln!(
            detail,
            "| {org} | {:.1} | {calls} | {:.1} | {throttled} | {} | {} |",
            at.as_secs_f64(),
            floor_secs(*calls),
            owner[i],
            job["plan"]["summary"]
        )
        .expect("write");
    }
    let stats = sim_stats(&http, &sims[0]).await;
    writeln!(
        detail,
        "\norg1's calls by path: {:?}\n",
        paced_calls(&stats).1
    )
    .expect("write");
    drop(fleet);
    Row { line, detail }
}

/// How long after the last expiry the certification part keeps polling.
const DEADLINE_SECS: i64 = 180;

/// The certification row of one agent, expiring at `expires`.
fn certification_row(agent: u32, expires: DateTime<Utc>) -> String {
    format!(
        "agent{agent:05}@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{}\n",
        expires.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// Holds the gate skill, holds the entry.
fn holds(truth: &serde_json::Value) -> (bool, bool) {
    let gate = truth["skills"]
        .as_array()
        .is_some_and(|s| s.iter().any(|s| s["name"] == "Gate_PCI"));
    let entry = truth["certifications"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c == "PCI-DSS"));
    (gate, entry)
}

/// The value at quantile `q` of sorted `values` (nearest rank).
fn quantile(values: &[f64], q: f64) -> f64 {
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

/// Part 2: certifications expiring one after another while a long feed job is paced.
async fn certs(scale: &Scale, db: &Database) {
    let http = reqwest::Client::new();
    let sim = start_sim(&[
        "--agents",
        &(scale.long_job_agents + 1).to_string(),
        "--seed",
        "42",
        "--rate-limit",
        &scale.sim_rate_limit.to_string(),
    ])
    .await;
    define_skills(&http, &sim, &["Gate_PCI", "Bulk_Skill"]).await;
    let ids: std::collections::HashMap<String, String> =
        users(&http, &sim).await.into_iter().collect();
    let config = ConfigFile::write(&format!(
        "[reconcile]\nlease_secs = {}\n{}scan_cron = \"0 0 0 1 1 *\"\n\n\
         [safety]\nmax_destructive = 1000000\nmax_destructive_percent = 100.0\n\n\
         [feed.certifications.\"PCI-DSS\"]\ngate_skill = \"Gate_PCI\"\n\n{}",
        scale.lease_secs,
        settle_line(scale.cert_settle_secs),
        org_tables(
            &[("acme".into(), sim.base.clone())],
            scale.cert_requests_per_minute
        )
    ));
    let replica = Replica::start(&sim.base, &db.url(), &config, &[]).await;
    wait_settled_and_even(
        std::slice::from_ref(&replica),
        &["acme".to_string()],
        Duration::from_secs(300),
    )
    .await;
    let daemon = &replica.daemon;

    // Agents 1..=expiries hold the certification, each expiring `spacing` after the previous.
    // The first expiry leaves time for the grant job to verify (a settle time) and for the long
    // job to start behind it.
    let settle = scale.cert_settle_secs.unwrap_or(60.0).ceil() as i64;
    let granted_at = Utc::now() + chrono::Duration::seconds(settle);
    let expiry = |k: u32| {
        granted_at
            + chrono::Duration::seconds(
                scale.first_expiry_secs + i64::from(k - 1) * scale.expiry_spacing_secs,
            )
    };
    let mut grant = String::from("agent,type,name,proficiency,issued_on,expires_on\n");
    for k in 1..=scale.expiries {
        grant.push_str(&certification_row(k, expiry(k)));
    }
    let (status, body) = daemon
        .post(
            "/v1/orgs/acme/feeds?scope=partial&source=hr",
            "text/csv",
            grant.into_bytes(),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let grant_job = body["job_id"].as_i64().expect("job id");
    // Granted on the platform; the grant job itself ends a settle time later, after verifying,
    // and the long job queues behind it.
    let user = |k: u32| ids[&format!("agent{k:05}@example.com")].clone();
    for k in 1..=scale.expiries {
        let since = Instant::now();
        while holds(&truth(&http, &sim, &user(k)).await) != (true, true) {
            assert!(
                since.elapsed() < Duration::from_secs(120),
                "agent {k} not granted"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // The long job: every agent gains Bulk_Skill; the certified ones keep their rows.
    let mut csv = String::from("agent,type,name,proficiency,issued_on,expires_on\n");
    for i in 1..=scale.long_job_agents {
        writeln!(csv, "agent{i:05}@example.com,skill,Bulk_Skill,3,,").expect("write");
    }
    for k in 1..=scale.expiries {
        csv.push_str(&certification_row(k, expiry(k)));
    }
    let (status, body) = daemon
        .post(
            "/v1/orgs/acme/feeds?scope=partial&source=hr",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let long = body["job_id"].as_i64().expect("job id");
    wait_org_job(daemon, "acme", long, &["running"]).await;
    let long_started = Utc::now();
    assert!(
        long_started < expiry(1),
        "the long job started {} s after the first expiry; raise first_expiry_secs",
        (long_started - expiry(1)).as_seconds_f64()
    );

    // Poll the truth of every agent whose instant has passed until both are gone.
    let mut latency: Vec<Option<f64>> = vec![None; scale.expiries as usize];
    let deadline = expiry(scale.expiries) + chrono::Duration::seconds(DEADLINE_SECS);
    while latency.iter().any(Option::is_none) {
        let now = Utc::now();
        if now > deadline {
            break;
        }
        for k in 1..=scale.expiries {
            let slot = &mut latency[(k - 1) as usize];
            if slot.is_some() || now < expiry(k) {
                continue;
            }
            if holds(&truth(&http, &sim, &user(k)).await) == (false, false) {
                *slot = Some((Utc::now() - expiry(k)).as_seconds_f64());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let long_job = org_job(daemon, "acme", long).await;
    let long_status = long_job["status"].as_str().unwrap_or_default().to_string();
    let grant_done = org_job(daemon, "acme", grant_job).await;
    // Not revoked by the deadline: counted at the deadline, a lower bound.
    let censored = latency.iter().filter(|l| l.is_none()).count();
    let mut sorted: Vec<f64> = (1..=scale.expiries)
        .map(|k| {
            latency[(k - 1) as usize].unwrap_or_else(|| (deadline - expiry(k)).as_seconds_f64())
        })
        .collect();
    sorted.sort_by(f64::total_cmp);
    println!(
        "## certs: {} certifications expiring {} s apart during a {}-agent feed job at {} requests/min, settle_secs {}\n",
        scale.expiries,
        scale.expiry_spacing_secs,
        scale.long_job_agents,
        scale.cert_requests_per_minute,
        settle_label(scale.cert_settle_secs)
    );
    println!("| expiries | min s | median s | p90 s | max s | over 60 s | not revoked within {DEADLINE_SECS} s of the last expiry |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {censored} |",
        sorted.len(),
        sorted[0],
        quantile(&sorted, 0.5),
        quantile(&sorted, 0.9),
        sorted[sorted.len() - 1],
        sorted.iter().filter(|&&s| s >= 60.0).count()
    );
    println!(
        "\nper expiry, in order (s): {}",
        latency
            .iter()
            .map(|l| l.map_or_else(|| "-".into(), |l| format!("{l:.1}")))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "grant job: {}; the long job was {long_status} after the last revocation \
         (started {:.1} s before the first expiry)\n",
        grant_done["status"],
        (expiry(1) - long_started).as_seconds_f64()
    );
}

/// Waits until job `id` of `org` reaches one of `statuses` (or settles otherwise, which fails).
async fn wait_org_job(
    daemon: &daemon_proc::Daemon,
    org: &str,
    id: i64,
    statuses: &[&str],
) -> serde_json::Value {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(600) {
        let job = org_job(daemon, org, id).await;
        let status = job["status"].as_str().unwrap_or_default();
        if statuses.contains(&status) {
            return job;
        }
        assert!(!settled(status), "job {id}: {job}\n{}", daemon.log_tail());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} of {org} never reached {statuses:?}");
}
