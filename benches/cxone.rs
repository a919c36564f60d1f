//! The NICE CXone benchmark of issue 13, against the release simulator (`skillsync sim
//! --platform cxone`) on loopback, rate limit off.
//!
//! `cargo bench --bench cxone` prints:
//! 1. apply: platform calls of `skillsync::cli::apply::run` on a 10,000-agent org with 20 % of
//!    agents drifted over 6 managed skills (a partial feed), beside two floors — per agent (the
//!    pages plus one write per drifted agent and action) and per skill (the pages plus one write
//!    per skill, action and batch of `write_batch_size`) — and the script pattern (GET + PUT per
//!    agent), with
//!    skillsync's calls by kind; max_concurrency 8 and 16, each from a fresh org. The org is
//!    checked to hold exactly the feed afterwards, and a second apply to write nothing;
//! 2. a no-change incremental scan (`observe_changed`) after the apply, one after an admin edit,
//!    and the full `observe` beside them: calls and seconds.
//!
//! Without `--bench` (under `cargo test --benches`) it runs a seconds-long version (500 agents).

// The Genesys token and paging helpers are not used here.
#[path = "support/apply_run.rs"]
mod apply_run;
#[allow(dead_code)]
mod common;
#[path = "support/cxone_org.rs"]
mod cxone_org;

use std::time::{Duration, Instant};

use apply_run::apply_csv;
use common::{start_sim, Sim};
use cxone_org::{assert_converged, script_pattern, Drift, Floors, Org, ACTIONS};
use skillsync::cli::apply::ApplyReport;
use skillsync::config::Settings;
use skillsync::domain::FeedScope;
use skillsync::platform::{CallCounts, Connector, Platform};

const SEED: &str = "13";
const SKILLS: &str = "60";
const MANAGED: usize = 6;
/// Every `DRIFT_EVERY`-th agent drifts: 20 %.
const DRIFT_EVERY: usize = 5;

async fn cxone_sim(agents: usize) -> Sim {
    start_sim(&[
        "--platform",
        "cxone",
        "--agents",
        &agents.to_string(),
        "--skills",
        SKILLS,
        "--seed",
        SEED,
    ])
    .await
}

fn settings(sim: &Sim, concurrency: usize) -> Settings {
    let mut s = Settings::load_from_toml(
        "[platform]\nkind = \"cxone\"",
        config::Environment::with_prefix("SKILLSYNC_BENCH_UNUSED"),
    )
    .expect("settings");
    s.platform.base_url = sim.base.clone();
    s.platform.access_key_id = "skillsync-sim".into();
    s.platform.access_key_secret = "skillsync-sim-secret".into();
    s.platform.requests_per_minute = 1_000_000;
    s.platform.max_concurrency = concurrency;
    s.reconcile.settle_secs = 0.0;
    s
}

async fn run_apply(settings: &Settings, csv: &str) -> (ApplyReport, CallCounts) {
    let cxone = &skillsync::platform::scales::CXONE;
    let journals = &skillsync::platform::NoJournal;
    let ran = apply_csv(settings, csv, FeedScope::Partial, cxone, journals).await;
    assert!(
        ran.0.plan.unmatched.is_empty(),
        "{:?}",
        ran.0.plan.unmatched
    );
    ran
}

/// One apply on a fresh org: its report and calls, the org checked to hold the feed, and the
/// calls of a second apply (which must write nothing). The sim is kept for the scans.
struct Run {
    concurrency: usize,
    report: ApplyReport,
    calls: CallCounts,
    second: CallCounts,
    sim: Sim,
}

async fn measured_apply(
    agents: usize,
    concurrency: usize,
    drift: &Drift,
    managed: &[String],
) -> Run {
    let sim = cxone_sim(agents).await;
    let before = Org::read(&sim.base).await;
    let settings = settings(&sim, concurrency);
    let (report, calls) = run_apply(&settings, &drift.csv).await;
    assert_converged(&before, &Org::read(&sim.base).await, drift, managed);
    let (_, second) = run_apply(&settings, &drift.csv).await;
    assert_eq!(
        second.writes(),
        0,
        "a second apply wrote: {:?}",
        second.calls
    );
    Run {
        concurrency,
        report,
        calls,
        second,
        sim,
    }
}

/// `f`'s result, the platform calls it made and its seconds.
async fn timed<T>(
    platform: &Connector,
    f: impl std::future::Future<Output = T>,
) -> (T, u64, Duration) {
    let calls = platform.calls().total();
    let started = Instant::now();
    let out = f.await;
    (out, platform.calls().total() - calls, started.elapsed())
}

/// An admin edit in the CXone UI: `skill` at proficiency 7 for `agent`.
async fn admin_edit(base: &str, agent: u64, skill: u64) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/sim/users/{agent}/skills"))
        .json(&serde_json::json!({"skills": [{"id": skill, "proficiency": 7}]}))
        .send()
        .await
        .expect("admin edit");
    assert!(resp.status().is_success(), "admin edit: {}", resp.status());
}

fn ratio(calls: u64, floor: u64) -> String {
    format!("{:.3}", calls as f64 / floor as f64)
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let agents = if full { 10_000usize } else { 500 };
    let batch = 50;

    // The org as it is, the managed skills, and the drifted partial feed.
    let sim = cxone_sim(agents).await;
    let org = Org::read(&sim.base).await;
    let managed = org.most_held(MANAGED);
    let drift = Drift::new(&org, &managed, DRIFT_EVERY);
    for (a, action) in ACTIONS.iter().enumerate() {
        assert!(drift.agents(a) > 0, "the feed has no {action}");
    }
    let pages = org.pages();
    let floors = Floors::new(&drift, pages, batch);
    let (script_calls, script_time) = script_pattern(&sim.base, &org, &drift, 8).await;
    drop(sim);

    let mut runs = Vec::new();
    for concurrency in [8, 16] {
        runs.push(measured_apply(agents, concurrency, &drift, &managed).await);
    }

    println!(
        "## CXone apply: platform calls ({agents} agents, {} drifted = {:.0} %, {} listed in the partial feed, {} assignments)\n",
        drift.drifted,
        drift.drifted as f64 * 100.0 / agents as f64,
        drift.want.len(),
        org.assignments,
    );
    println!("managed skills: {}\n", managed.join(", "));
    println!("| action | agents | (agent, skill) pairs | per-skill calls (batch {batch}) |");
    println!("|---|---:|---:|---:|");
    for (a, action) in ACTIONS.iter().enumerate() {
        println!(
            "| {action} | {} | {} | {} |",
            drift.agents(a),
            drift.pairs(a),
            drift.per_skill_calls(a, batch)
        );
    }
    println!(
        "\npages = {} agents + {} skills + {} assignments = {pages}\n",
        agents.div_ceil(500),
        org.skill_ids.len().div_ceil(500),
        org.assignments.div_ceil(500)
    );
    println!("| run | calls | writes | reads | calls / per-agent floor | calls / per-skill floor | wall s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for run in &runs {
        let c = &run.calls;
        println!(
            "| skillsync apply (max_concurrency {}) | {} | {} | {} | {} | {} | {:.2} |",
            run.concurrency,
            c.total(),
            c.writes(),
            c.total() - c.writes(),
            ratio(c.total(), floors.per_agent),
            ratio(c.total(), floors.per_skill),
            run.report.elapsed.as_secs_f64()
        );
    }
    println!(
        "| script pattern (GET + PUT per listed agent, concurrency 8) | {script_calls} | {} | {} | {} | {} | {:.2} |",
        script_calls / 2,
        script_calls / 2,
        ratio(script_calls, floors.per_agent),
        ratio(script_calls, floors.per_skill),
        script_time.as_secs_f64()
    );
    for (name, floor) in [
        ("per-agent floor", floors.per_agent),
        ("per-skill floor", floors.per_skill),
        ("best mix (per action the cheaper)", floors.best_mix),
    ] {
        println!(
            "| {name} | {floor} | {} | {pages} | {} | {} | |",
            floor - pages,
            ratio(floor, floors.per_agent),
            ratio(floor, floors.per_skill)
        );
    }
    println!(
        "\nskillsync's calls include 1 token mint; floors count none. Per-skill removal is one call per \
         (agent, skill) (`DELETE …/skills/{{id}}/agents/{{agentId}}`), so removals count per pair in the \
         per-skill floor.\n"
    );

    println!(
        "| calls by kind | {} |",
        runs.iter()
            .map(|r| format!("max_concurrency {}", r.concurrency))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---:|".repeat(runs.len()));
    for kind in skillsync::platform::cxone::calls::ALL {
        if runs.iter().all(|r| r.calls.of(kind) == 0) {
            continue;
        }
        let counts: Vec<String> = runs.iter().map(|r| r.calls.of(kind).to_string()).collect();
        println!("| {} | {} |", kind.label(), counts.join(" | "));
    }
    println!(
        "| retries / 429s | {} |",
        runs.iter()
            .map(|r| format!("{} / {}", r.calls.retries, r.calls.throttled))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for run in &runs {
        println!(
            "\nverified: every agent holds exactly the feed's managed skills (max_concurrency {}, {} agents written, rounds: {}); a second apply: {} calls, {} writes",
            run.concurrency,
            run.report.agents_changed,
            run.report.rounds,
            run.second.total(),
            run.second.writes()
        );
    }

    // 2: incremental scans on the org the first apply converged.
    let sim = &runs[0].sim;
    let platform = Connector::from_settings(&settings(sim, 8).platform).expect("connector");
    platform.check_credentials().await.expect("credentials");
    let (full_read, full_calls, full_time) = timed(&platform, platform.observe()).await;
    assert_eq!(full_read.expect("observe").len(), agents);
    let cursor = platform.scan_cursor().expect("a cursor after a full read");
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (none, none_calls, none_time) = timed(&platform, platform.observe_changed(&cursor)).await;
    let none = none.expect("scan").expect("CXone lists changes");
    assert!(
        none.agents.is_empty(),
        "{} agents changed",
        none.agents.len()
    );
    let edited = *org.emails.keys().next().expect("an agent");
    admin_edit(&sim.base, edited, org.skill_ids[&managed[0]]).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (one, one_calls, one_time) = timed(&platform, platform.observe_changed(&none.cursor)).await;
    let one = one.expect("scan").expect("CXone lists changes");
    assert_eq!(
        one.agents
            .iter()
            .map(|a| a.user_id.clone())
            .collect::<Vec<_>>(),
        [edited.to_string()]
    );

    println!("\n## CXone incremental scan after the apply ({agents} agents)\n");
    println!("| read | calls | s |");
    println!("|---|---:|---:|");
    println!(
        "| full `observe` (agents + skills + assignments listings) | {full_calls} | {:.3} |",
        full_time.as_secs_f64()
    );
    println!(
        "| `observe_changed`, no change | {none_calls} | {:.4} |",
        none_time.as_secs_f64()
    );
    println!(
        "| `observe_changed`, 1 admin edit | {one_calls} | {:.4} |",
        one_time.as_secs_f64()
    );
    println!("\nThe token is minted before timing (`check_credentials`); no row includes it.");
}
