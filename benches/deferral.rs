//! Busy agents (issue 15): what deferring routine changes for agents whose routing status is in
//! `policy.defer_when` costs in platform calls. The release `skillsync serve` as its own process,
//! configured through `SKILLSYNC__…` variables, against a release `skillsync sim` whose agents are
//! 30 % INTERACTING (`--busy-share 0.3`) and a throw-away PostgreSQL database per scenario.
//!
//! `cargo bench --bench deferral` prints, for a 10,000-user org:
//! 1. scan: platform calls of the start-up scan and of a `POST /v1/reconcile` scan with nothing
//!    to change, `defer_when` at its default against deferral off (`[]`, through a config file:
//!    a list cannot be given through a `SKILLSYNC__…` variable); they must be identical;
//! 2. feed: a partial feed giving 1,000 agents a new skill while 30 % are INTERACTING: calls by
//!    path, writes, agents deferred and the job's duration; then the re-check with the agents
//!    still busy, and after everyone is set IDLE: time until no agent is deferred and what it
//!    cost.
//!
//! `cargo bench --bench deferral -- scan` (or `feed`) runs one part. Without `--bench` (under
//! `cargo test`) it runs a seconds-long smoke version on 300 users and asserts the invariants;
//! without a PostgreSQL server at `DATABASE_URL` it says so and does nothing.

mod common;
// Memory is not measured here.
#[allow(dead_code)]
#[path = "support/daemon_proc.rs"]
mod daemon_proc;
// Only the config file, the simulator helpers and the user listing are used here.
#[allow(dead_code)]
#[path = "support/org_fleet.rs"]
mod org_fleet;
#[path = "support/sim_calls.rs"]
mod sim_calls;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::{all_entities, fetch_token, start_sim, Sim};
use daemon_proc::{Daemon, Database};
use org_fleet::{define_skills, reset_sim_stats, sim_stats, ConfigFile};
use sim_calls::{calls, count, job_seconds, print_calls};

/// How big each scenario is.
struct Scale {
    /// Users of the org.
    agents: u32,
    /// Agents the feed gives the new skill (the first ones by e-mail).
    fed: u32,
    /// Share of the agents INTERACTING.
    busy_share: f64,
    /// How long the re-check runs with the deferred agents still busy.
    busy_window: Duration,
}

const FULL: Scale = Scale {
    agents: 10_000,
    fed: 1_000,
    busy_share: 0.3,
    busy_window: Duration::from_secs(5),
};

const SMOKE: Scale = Scale {
    agents: 300,
    fed: 100,
    busy_share: 0.3,
    busy_window: Duration::from_millis(1500),
};

/// The simulator's seed: the same seed and share make the same agents busy.
const SEED: &str = "7";
/// The skill the feed grants; no agent holds it.
const SKILL: &str = "Bench_Deferral";
/// `reconcile.settle_secs` and `policy.defer_recheck_secs` of every daemon here.
const SETTLE_SECS: &str = "1";
const RECHECK_SECS: &str = "1";
/// `reconcile.lease_secs` of the feed scenario, whose second daemon takes over the first's
/// database: it waits for the killed daemon's leases to expire.
const LEASE_SECS: &str = "2";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.contains(&part);
    let scale = if full { FULL } else { SMOKE };
    let admin_url = daemon_proc::admin_url();
    daemon_proc::print_machine();
    if Database::create(&admin_url).await.is_none() {
        println!("no PostgreSQL at DATABASE_URL ({admin_url}); skipped");
        return;
    }
    if wanted("scan") {
        scan(&scale, &admin_url).await;
    }
    if wanted("feed") {
        feed(&scale, &admin_url).await;
    }
}

/// `skillsync sim` with the scale's org, 30 % of it INTERACTING.
async fn busy_sim(scale: &Scale) -> Sim {
    start_sim(&[
        "--agents",
        &scale.agents.to_string(),
        "--seed",
        SEED,
        "--busy-share",
        &scale.busy_share.to_string(),
    ])
    .await
}

/// The settings every daemon here gets, plus `extra`.
async fn start_daemon(sim: &Sim, db: &Database, extra: &[(&str, &str)]) -> Daemon {
    let mut env = vec![
        ("SKILLSYNC__RECONCILE__SETTLE_SECS", SETTLE_SECS),
        ("SKILLSYNC__POLICY__DEFER_RECHECK_SECS", RECHECK_SECS),
    ];
    env.extend_from_slice(extra);
    Daemon::start(&sim.base, &db.url(), &env).await
}

/// Scenario 1: a full scan with nothing to change, deferral at its default and off.
async fn scan(scale: &Scale, admin_url: &str) {
    let http = reqwest::Client::new();
    let off = ConfigFile::write("[policy]\ndefer_when = []\n");
    let off_path = off.path.display().to_string();
    let modes: [(&str, Vec<(&str, &str)>); 2] = [
        ("default (INTERACTING, COMMUNICATING)", Vec::new()),
        ("off ([])", vec![("SKILLSYNC_CONFIG", off_path.as_str())]),
    ];
    let mut startup = Vec::new();
    let mut rescan = Vec::new();
    let mut seconds = Vec::new();
    for (_, extra) in &modes {
        let sim = busy_sim(scale).await;
        let db = Database::create(admin_url).await.expect("a database");
        let daemon = start_daemon(&sim, &db, extra).await;
        let first = daemon.newest_job().await;
        let (job, _) = daemon.wait_job(first, Duration::from_secs(600)).await;
        assert_eq!(job["status"], "succeeded", "start-up scan: {job}");
        startup.push(calls(&sim_stats(&http, &sim).await));
        reset_sim_stats(&http, &sim).await;
        let (status, body) = daemon
            .post("/v1/reconcile", "application/json", b"{}".to_vec())
            .await;
        assert_eq!(status, 202, "{body}");
        let id = body["job_id"].as_i64().expect("job id");
        let (job, _) = daemon.wait_job(id, Duration::from_secs(600)).await;
        assert_eq!(job["status"], "succeeded", "scan: {job}");
        rescan.push(calls(&sim_stats(&http, &sim).await));
        seconds.push(job_seconds(&job));
        let drift = daemon.get_json("/v1/drift?limit=1").await;
        assert_eq!(
            drift["summary"]["observed"].as_u64(),
            Some(u64::from(scale.agents)),
            "{drift}"
        );
        assert_eq!(drift["summary"]["deferred"].as_u64(), Some(0), "{drift}");
    }
    println!(
        "## deferral: full scans of {} users, {} % INTERACTING, nothing to change\n",
        scale.agents,
        scale.busy_share * 100.0
    );
    let columns: Vec<String> = modes
        .iter()
        .flat_map(|(name, _)| {
            [
                format!("start-up job, defer_when {name}"),
                format!("POST /v1/reconcile, defer_when {name}"),
            ]
        })
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    print_calls(
        &columns,
        &[&startup[0], &rescan[0], &startup[1], &rescan[1]],
    );
    println!(
        "POST /v1/reconcile job seconds: {:.2} (default), {:.2} (off); user pages at 500 a page: {}\n",
        seconds[0],
        seconds[1],
        scale.agents.div_ceil(500)
    );
    assert_eq!(startup[0], startup[1], "the start-up scans differ");
    assert_eq!(rescan[0], rescan[1], "the scans differ");
    assert_eq!(
        count(&rescan[0], "GET /api/v2/users 200"),
        u64::from(scale.agents.div_ceil(500)),
        "a scan reads the user pages: {:?}",
        rescan[0]
    );
    assert_eq!(
        rescan[0].values().sum::<u64>(),
        u64::from(scale.agents.div_ceil(500)),
        "and nothing else: {:?}",
        rescan[0]
    );
}

/// Every user of the simulator as (email, id, routing status), read through the API.
async fn statuses(http: &reqwest::Client, sim: &Sim) -> Vec<(String, String, String)> {
    let token = fetch_token(http, &sim.base).await;
    all_entities(
        http,
        &sim.base,
        &token,
        "/api/v2/users?expand=routingStatus",
    )
    .await
    .iter()
    .map(|u| {
        (
            u["email"].as_str().unwrap_or_default().to_string(),
            u["id"].as_str().expect("user id").to_string(),
            u["routingStatus"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    })
    .collect()
}

async fn drift_summary(daemon: &Daemon) -> Value {
    daemon.get_json("/v1/drift?limit=1").await["summary"].clone()
}

fn summary_count(summary: &Value, field: &str) -> u64 {
    summary[field].as_u64().unwrap_or_default()
}

/// The `deferred_recheck` jobs, newest first.
async fn recheck_jobs(daemon: &Daemon) -> Vec<Value> {
    let jobs = daemon.get_json("/v1/jobs?limit=500").await;
    jobs["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|j| j["trigger"] == "deferred_recheck")
        .cloned()
        .collect()
}

/// The id of the `startup` job newer than job `after`, once it is queued.
async fn startup_job_after(daemon: &Daemon, after: i64) -> i64 {
    for _ in 0..600 {
        let jobs = daemon.get_json("/v1/jobs?limit=20").await;
        let found =
            jobs["jobs"].as_array().into_iter().flatten().find(|j| {
                j["trigger"] == "startup" && j["id"].as_i64().is_some_and(|id| id > after)
            });
        if let Some(id) = found.and_then(|j| j["id"].as_i64()) {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no start-up job was queued:\n{}", daemon.log_tail());
}

/// Users written, from `/sim/stats` `writes_per_user`.
fn written(stats: &Value) -> BTreeSet<String> {
    stats["writes_per_user"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Scenario 2: a feed granting a new skill while some agents are busy, then the re-check.
async fn feed(scale: &Scale, admin_url: &str) {
    let http = reqwest::Client::new();
    let sim = busy_sim(scale).await;
    let db = Database::create(admin_url).await.expect("a database");
    define_skills(&http, &sim, &[SKILL]).await;
    let users = statuses(&http, &sim).await;
    let fed: Vec<&(String, String, String)> = users
        .iter()
        .filter(|(email, _, _)| {
            email
                .strip_prefix("agent")
                .and_then(|rest| rest.strip_suffix("@example.com"))
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| (1..=scale.fed).contains(&n))
        })
        .collect();
    assert_eq!(fed.len(), scale.fed as usize, "the fed agents exist");
    let busy: BTreeSet<&str> = fed
        .iter()
        .filter(|(_, _, status)| status == "INTERACTING")
        .map(|(_, id, _)| id.as_str())
        .collect();
    let all_busy = users.iter().filter(|u| u.2 == "INTERACTING").count();

    // Phase 1: the feed job, with re-checks an hour apart so that none runs in its numbers.
    let daemon = start_daemon(
        &sim,
        &db,
        &[
            ("SKILLSYNC__POLICY__DEFER_RECHECK_SECS", "3600"),
            ("SKILLSYNC__RECONCILE__LEASE_SECS", LEASE_SECS),
        ],
    )
    .await;
    let first = daemon.newest_job().await;
    let (job, _) = daemon.wait_job(first, Duration::from_secs(600)).await;
    assert_eq!(job["status"], "succeeded", "start-up scan: {job}");
    let mut csv = String::from("agent,type,name,proficiency\n");
    for (email, _, _) in &fed {
        csv.push_str(&format!("{email},skill,{SKILL},3\n"));
    }
    reset_sim_stats(&http, &sim).await;
    let sent = Instant::now();
    let (status, body) = daemon
        .post(
            "/v1/feeds?scope=partial&source=bench",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 202, "{body}\n{}", daemon.log_tail());
    let id = body["job_id"].as_i64().expect("job id");
    let (job, _) = daemon.wait_job(id, Duration::from_secs(600)).await;
    let job_wall = sent.elapsed();
    let feed_stats = sim_stats(&http, &sim).await;
    let feed_calls = calls(&feed_stats);
    let feed_written = written(&feed_stats);
    let summary = drift_summary(&daemon).await;
    let deferred = summary_count(&summary, "deferred");
    let deferred_list = daemon.get_json("/v1/drift?state=deferred&limit=1").await;
    let reason = deferred_list["agents"][0]["last_error"].clone();
    drop(daemon);

    // Phase 2: the same database under a daemon that re-checks every second. Its start-up scan
    // finds the busy agents still busy.
    let daemon = start_daemon(
        &sim,
        &db,
        &[("SKILLSYNC__RECONCILE__LEASE_SECS", LEASE_SECS)],
    )
    .await;
    let restart = startup_job_after(&daemon, id).await;
    let (job2, _) = daemon.wait_job(restart, Duration::from_secs(600)).await;
    assert_eq!(job2["status"], "succeeded", "restart scan: {job2}");
    let after_restart = summary_count(&drift_summary(&daemon).await, "deferred");
    let before_busy = recheck_jobs(&daemon).await.len();
    reset_sim_stats(&http, &sim).await;
    tokio::time::sleep(scale.busy_window).await;
    // The last re-check of the window finishes its read before the counters are taken.
    if let Some(last) = recheck_jobs(&daemon).await.first() {
        let id = last["id"].as_i64().expect("job id");
        daemon.wait_job(id, Duration::from_secs(120)).await;
    }
    let busy_stats = sim_stats(&http, &sim).await;
    let busy_calls = calls(&busy_stats);
    let busy_rechecks = recheck_jobs(&daemon).await.len() - before_busy;
    let still = summary_count(&drift_summary(&daemon).await, "deferred");

    // Phase 3: everyone IDLE; the next re-check writes the deferred agents.
    let before_idle = recheck_jobs(&daemon).await.len();
    reset_sim_stats(&http, &sim).await;
    let idle_at = Instant::now();
    let resp = http
        .post(format!("{}/sim/faults", sim.base))
        .json(&json!({ "busy_share": 0.0 }))
        .send()
        .await
        .expect("faults");
    assert!(
        resp.status().is_success(),
        "busy_share 0: {}",
        resp.status()
    );
    let limit = Duration::from_secs(120);
    let mut none_deferred = None;
    let converged = loop {
        let summary = drift_summary(&daemon).await;
        if none_deferred.is_none() && summary_count(&summary, "deferred") == 0 {
            none_deferred = Some(idle_at.elapsed());
        }
        if none_deferred.is_some() && summary_count(&summary, "drifted") == 0 {
            break idle_at.elapsed();
        }
        assert!(
            idle_at.elapsed() < limit,
            "not converged in {limit:?}: {summary}\n{}",
            daemon.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let none_deferred = none_deferred.unwrap_or(converged);
    // The job that wrote them settles after its verification.
    let rechecks = recheck_jobs(&daemon).await;
    for j in &rechecks {
        let id = j["id"].as_i64().expect("job id");
        daemon.wait_job(id, Duration::from_secs(120)).await;
    }
    let rechecks = recheck_jobs(&daemon).await;
    let idle_rechecks = rechecks.len() - before_idle;
    let idle_stats = sim_stats(&http, &sim).await;
    let idle_calls = calls(&idle_stats);
    let writer = rechecks.iter().find(|j| {
        j["counts"]
            .as_object()
            .is_some_and(|c| c.contains_key("converged"))
    });

    println!(
        "## deferral: a feed gives {} of {} agents a new skill, {} % of the org INTERACTING\n",
        scale.fed,
        scale.agents,
        scale.busy_share * 100.0
    );
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| agents INTERACTING in the org / among the fed agents (sim) | {all_busy} / {} |",
        busy.len()
    );
    println!(
        "| feed job: status, counts | {} {} |",
        job["status"].as_str().unwrap_or_default(),
        job["counts"]
    );
    println!(
        "| feed job seconds (started → finished) / POST → settled | {:.2} / {:.2} |",
        job_seconds(&job),
        job_wall.as_secs_f64()
    );
    println!(
        "| agents written by the feed job (writes) | {} ({}) |",
        feed_written.len(),
        feed_stats["writes"]
    );
    println!("| `/v1/drift` summary.deferred after the feed job | {deferred} |");
    println!("| … after a restart's full scan, agents still busy | {after_restart} |");
    println!(
        "| re-check jobs in {:.1} s with the agents still busy; deferred after | {busy_rechecks}; {still} |",
        scale.busy_window.as_secs_f64()
    );
    println!(
        "| everyone IDLE → summary.deferred = 0 | {:.2} s |",
        none_deferred.as_secs_f64()
    );
    println!(
        "| everyone IDLE → summary.drifted = 0 (verified) | {:.2} s |",
        converged.as_secs_f64()
    );
    let idle_counts: Vec<String> = rechecks[..idle_rechecks]
        .iter()
        .rev()
        .map(|j| format!("{} ({:.2} s)", j["counts"], job_seconds(j)))
        .collect();
    println!(
        "| re-check jobs from IDLE to verified: counts (job seconds), oldest first | {} |",
        idle_counts.join(", ")
    );
    println!(
        "| agents written by the re-check (writes) | {} ({}) |\n",
        written(&idle_stats).len(),
        idle_stats["writes"]
    );
    println!("deferral reason of the first deferred agent: {reason}\n");
    let columns = [
        "feed job",
        "re-check, agents busy (whole window)",
        "re-check after IDLE, until verified",
    ];
    print_calls(&columns, &[&feed_calls, &busy_calls, &idle_calls]);

    // The invariants.
    assert_eq!(job["status"], "succeeded", "feed job: {job}");
    assert!(!busy.is_empty(), "some fed agents are busy");
    assert_eq!(
        deferred,
        busy.len() as u64,
        "the busy fed agents are deferred"
    );
    assert_eq!(
        job["counts"]["deferred"].as_u64(),
        Some(busy.len() as u64),
        "{job}"
    );
    assert_eq!(
        job["counts"]["converged"].as_u64(),
        Some(u64::from(scale.fed) - busy.len() as u64),
        "{job}"
    );
    assert!(
        feed_written.iter().all(|id| !busy.contains(id.as_str())),
        "no busy agent was written"
    );
    assert_eq!(
        feed_written.len(),
        scale.fed as usize - busy.len(),
        "every free fed agent was written"
    );
    assert_eq!(after_restart, deferred, "still deferred after the restart");
    assert_eq!(still, deferred, "still deferred while busy");
    assert_eq!(
        count(&busy_calls, "PATCH"),
        0,
        "nothing written while busy: {busy_calls:?}"
    );
    // One users call per 100 deferred agents per re-check (a re-check may straddle the window).
    let recheck_reads = count(&busy_calls, "GET /api/v2/users 200");
    let per_recheck = deferred.div_ceil(100);
    assert!(
        busy_rechecks > 0,
        "re-checks ran while the agents were busy"
    );
    assert!(
        recheck_reads > 0 && recheck_reads <= (busy_rechecks as u64 + 1) * per_recheck,
        "{busy_rechecks} re-checks of {deferred} agents: {busy_calls:?}"
    );
    let idle_written = written(&idle_stats);
    assert_eq!(
        idle_written,
        busy.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        "the re-check wrote exactly the deferred agents"
    );
    assert!(writer.is_some(), "a re-check converged them: {rechecks:?}");
}
