//! `skillsync serve` under load (issue 6): the release binary as its own process, configured
//! through `SKILLSYNC__…` variables, against a release `skillsync sim` and a throw-away
//! PostgreSQL database per scenario (`skillsync_bench_<random>`, dropped afterwards).
//!
//! `cargo bench --bench daemon` prints:
//! 1. ingest: a 1,000,000-row feed (100,000 agents × 10) through `POST /v1/feeds` against a
//!    100,000-user org: time to 202, to a queryable desired state and to the job's end, and
//!    the daemon's peak memory in each phase;
//! 2. steady state: platform calls per full scan of a 10,000-user org that matches its desired
//!    state, by path;
//! 3. reads: `GET /v1/drift` and `GET /v1/agents/{key}` latency at a fixed request rate, open
//!    loop, with 10,000 agents observed, none and 10 % of them drifted; and `GET /v1/drift` again
//!    with the console's Overview requested beside it (issue 17).
//!
//! `cargo bench --bench daemon -- ingest` (or `reads`) runs one part. Without `--bench` (under
//! `cargo test`) it runs a seconds-long smoke version; without a PostgreSQL server at
//! `DATABASE_URL` it says so and does nothing.

mod common;
#[path = "support/daemon_proc.rs"]
mod daemon_proc;
// JSON feeds are not posted here.
#[allow(dead_code)]
#[path = "support/feed_gen.rs"]
mod feed_gen;
#[path = "support/load.rs"]
mod load;
#[path = "support/reads.rs"]
mod reads;
// Only the job timing is used here.
#[allow(dead_code)]
#[path = "support/sim_calls.rs"]
mod sim_calls;

use std::time::{Duration, Instant};

use common::{all_entities, fetch_token, start_sim};
use daemon_proc::{peak_between, Daemon, Database, RssSampler};
use feed_gen::{Names, Shape};
use skillsync::domain::FeedScope;
use skillsync::feed::{FeedFormat, FeedRules, FeedSettings, FeedSource};

/// How big each scenario is.
pub struct Scale {
    /// Agents in the ingested feed and in its org.
    pub ingest_agents: u64,
    /// Users of the org that is scanned and read.
    pub scan_agents: u32,
    /// Requests per second of the read benchmark.
    pub rate: u32,
    /// How long each read benchmark runs.
    pub duration: Duration,
    /// Full scans measured in the steady state.
    pub scans: usize,
}

const FULL: Scale = Scale {
    ingest_agents: 100_000,
    scan_agents: 10_000,
    rate: 200,
    duration: Duration::from_secs(15),
    scans: 3,
};

const SMOKE: Scale = Scale {
    ingest_agents: 1_000,
    scan_agents: 300,
    rate: 50,
    duration: Duration::from_secs(1),
    scans: 1,
};

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    // `cargo bench --bench daemon -- reads` runs one part: `ingest` or `reads`.
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.contains(&part);
    let scale = if full { FULL } else { SMOKE };
    let admin_url = daemon_proc::admin_url();
    daemon_proc::print_machine();
    let Some(db) = Database::create(&admin_url).await else {
        println!("no PostgreSQL at DATABASE_URL ({admin_url}); skipped");
        return;
    };
    if wanted("ingest") {
        ingest(&scale, &db).await;
    }
    drop(db);
    if wanted("reads") {
        let db = Database::create(&admin_url)
            .await
            .expect("a second database");
        reads::run(&scale, &db).await;
    }
}

/// Names of a simulator's skill or language definitions, in listing order.
async fn definition_names(base: &str, path: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let token = fetch_token(&http, base).await;
    all_entities(&http, base, &token, path)
        .await
        .iter()
        .filter_map(|d| d["name"].as_str().map(str::to_string))
        .collect()
}

/// Benchmark 1: a large feed through `POST /v1/feeds`.
async fn ingest(scale: &Scale, db: &Database) {
    let agents = scale.ingest_agents;
    let sim = start_sim(&[
        "--agents",
        &agents.to_string(),
        "--skills",
        "300",
        "--languages",
        "20",
        "--seed",
        "11",
    ])
    .await;
    let skills = definition_names(&sim.base, "/api/v2/routing/skills").await;
    let languages = definition_names(&sim.base, "/api/v2/routing/languages").await;
    let shape = Shape {
        agents,
        per_agent: 10,
        repeat: 1,
    };
    let names = Names {
        sim_emails: true,
        skills: Some(&skills),
        languages: Some(&languages),
    };
    let mut csv = Vec::new();
    feed_gen::write_csv(&mut csv, shape, &names).expect("feed generated");
    let file_mb = csv.len() as f64 / 1e6;

    // The same bytes through feed::read in this process: the parse share of the POST.
    let settings = FeedSettings {
        time_zone: Some("Europe/Berlin".into()),
        ..FeedSettings::default()
    };
    let rules =
        FeedRules::from_settings(&settings, &skillsync::platform::scales::GENESYS).expect("rules");
    let source = FeedSource {
        name: "bench".into(),
        format: FeedFormat::Csv,
        scope: FeedScope::Snapshot,
    };
    let started = Instant::now();
    let parsed = skillsync::feed::read(csv.as_slice(), &source, &rules).expect("valid feed");
    let parse_secs = started.elapsed().as_secs_f64();
    drop(parsed);

    // The simulator's names are longer than the generator's own, and so is the feed (60 MB
    // against 51 MB): above the default body limit of 50 MB.
    let daemon = Daemon::start(
        &sim.base,
        &db.url(),
        &[("SKILLSYNC__SERVER__BODY_LIMIT_MB", "100")],
    )
    .await;
    let startup = daemon.newest_job().await;
    let (startup_job, startup_took) = daemon.wait_job(startup, Duration::from_secs(600)).await;
    let startup_peak = daemon.status_kb("VmHWM");
    let before = daemon.status_kb("VmRSS");
    let reset = daemon.reset_peak();

    let sampler = RssSampler::start(daemon.pid());
    let sent = Instant::now();
    let (status, body) = daemon
        .post("/v1/feeds?scope=snapshot&source=bench", "text/csv", csv)
        .await;
    let answered = Instant::now();
    let peak_to_202 = daemon.status_kb("VmHWM");
    assert_eq!(status, 202, "{body}\n{}", daemon.log_tail());
    let last = format!("/v1/agents/agent{agents:05}@example.com");
    while daemon.get_json(&last).await["desired"].is_null() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let queryable = Instant::now();
    let job_id = body["job_id"].as_i64().expect("job id");
    let (job, _) = daemon.wait_job(job_id, Duration::from_secs(1800)).await;
    let settled = Instant::now();
    let peak_total = daemon.status_kb("VmHWM");
    let samples = sampler.finish();

    println!(
        "## daemon: ingest ({} rows = {agents} agents × 10, {file_mb:.1} MB CSV, snapshot; org of {agents} users)\n",
        shape.rows()
    );
    println!("| step | seconds | daemon peak RSS MB |");
    println!("|---|---:|---:|");
    println!(
        "| start-up scan of {agents} users, no desired state yet (job {}) | {:.2} | {:.0} |",
        startup_job["status"].as_str().unwrap_or_default(),
        startup_took.as_secs_f64(),
        mb(startup_peak)
    );
    println!(
        "| POST /v1/feeds sent → 202 (parsed, validated, stored) | {:.2} | {:.0} |",
        (answered - sent).as_secs_f64(),
        mb(peak_to_202)
    );
    println!(
        "| 202 → desired state queryable (GET /v1/agents/{{last agent}}) | {:.3} | |",
        (queryable - answered).as_secs_f64()
    );
    println!(
        "| 202 → the feed's job settled ({}) | {:.2} | {:.0} |",
        job["status"].as_str().unwrap_or_default(),
        (settled - answered).as_secs_f64(),
        mb(peak_between(&samples, answered, settled))
    );
    println!(
        "\nRSS before the POST {:.0} MB (peak reset before it: {reset}); peak over the whole run {:.0} MB \
         (VmHWM; sampled peak up to 202: {:.0} MB); feed::read of the same bytes in the bench process: {parse_secs:.2} s.",
        mb(before),
        mb(peak_total.max(startup_peak)),
        mb(peak_between(&samples, sent, answered))
    );
    println!(
        "The feed's job: held_reasons {}, plan summary {}\n",
        job["held_reasons"], job["plan"]["summary"]
    );
}
