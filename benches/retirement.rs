//! Retiring a skill (issue 16): what `POST /v1/skills/{name}/retire` costs in platform calls and
//! time. The release `skillsync serve` as its own process, configured through `SKILLSYNC__…`
//! variables, against a release `skillsync sim` (Genesys Cloud, rate limit off, the daemon's
//! budget as in the other daemon benches) and a throw-away PostgreSQL database.
//!
//! `cargo bench --bench retirement` prints, for a 10,000-user org whose new skill a partial feed
//! has given to 1,000 agents, with the simulator's seeded skill groups plus one more naming the
//! skill, `skills.check_secs` = 1 and `skills.retire_grace_hours` = 2 s:
//! 1. removal: from the retire request (`after` absent) until `GET /v1/skills` shows no holder
//!    and the check has recorded the group that blocks the definition: calls by kind (from
//!    `/sim/stats`, reset right before the request), calls per holder, wall time;
//! 2. definition: from the group's reference being replaced (the bench's own PATCH, left out of
//!    the counts) until the retirement is `retired`: calls by kind, and what each check cost in
//!    skill-group and definition-listing calls.
//!
//! Both phases run on the same org, so there is no part selection. Without `--bench` (under
//! `cargo test`) it runs a seconds-long smoke version on 300 users and asserts the invariants;
//! without a PostgreSQL server at `DATABASE_URL` it says so and does nothing.

mod common;
// Memory is not measured here.
#[allow(dead_code)]
#[path = "support/daemon_proc.rs"]
mod daemon_proc;
// Only the simulator helpers are used here.
#[allow(dead_code)]
#[path = "support/org_fleet.rs"]
mod org_fleet;
#[path = "support/sim_calls.rs"]
mod sim_calls;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::{fetch_token, start_sim, Sim};
use daemon_proc::{Daemon, Database};
use org_fleet::{define_skills, reset_sim_stats, sim_stats, truth, users};
use sim_calls::{calls, count, job_seconds, print_calls};

/// How big the scenario is.
struct Scale {
    /// Users of the org.
    agents: u32,
    /// Agents the feed gives the skill (the first ones by e-mail), then lose it.
    holders: u32,
    /// How long any phase may take before the bench gives up.
    limit: Duration,
}

const FULL: Scale = Scale {
    agents: 10_000,
    holders: 1_000,
    limit: Duration::from_secs(900),
};

const SMOKE: Scale = Scale {
    agents: 300,
    holders: 100,
    limit: Duration::from_secs(120),
};

/// The simulator's seed.
const SEED: &str = "7";
/// The skill given, then retired.
const SKILL: &str = "Bench_Retired";
/// The skill the extra group names once its reference to `SKILL` is removed.
const REPLACEMENT: &str = "Bench_Replacement";
/// The extra skill group naming `SKILL`.
const GROUP: &str = "Bench retired coverage";
const GROUPS: &str = "/api/v2/routing/skillgroups";
/// `skills.check_secs`.
const CHECK_SECS: &str = "1";
/// `skills.retire_grace_hours`: two seconds.
const GRACE_SECS: f64 = 2.0;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let scale = if full { FULL } else { SMOKE };
    let admin_url = daemon_proc::admin_url();
    daemon_proc::print_machine();
    if Database::create(&admin_url).await.is_none() {
        println!("no PostgreSQL at DATABASE_URL ({admin_url}); skipped");
        return;
    }
    retire(&scale, &admin_url).await;
}

/// A skill-group condition naming `skill`.
fn condition(skill: &str) -> Value {
    json!([{
        "routingSkillConditions": [
            {"routingSkill": skill, "comparator": "GreaterThanOrEqualTo", "proficiency": 1}
        ],
        "operation": "And"
    }])
}

/// A call to the simulator's API as the bench (before or after a measured phase).
async fn sim_call(
    http: &reqwest::Client,
    sim: &Sim,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let mut request = http
        .request(method.clone(), format!("{}{path}", sim.base))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    let resp = request.send().await.expect("sent");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert!(status.is_success(), "{method} {path} -> {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// `SKILL`'s entry in `GET /v1/skills`.
async fn skill_entry(daemon: &Daemon) -> Value {
    let answer = daemon.get_json("/v1/skills").await;
    answer["skills"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == SKILL)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Polls `SKILL`'s entry until `done`; returns it and the time since `from`. Panics after
/// `limit` with `what` and the last entry.
async fn wait_entry(
    daemon: &Daemon,
    from: Instant,
    limit: Duration,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> (Value, Duration) {
    loop {
        let entry = skill_entry(daemon).await;
        if done(&entry) {
            return (entry, from.elapsed());
        }
        assert!(
            from.elapsed() < limit,
            "{what}: not within {limit:?}; {SKILL} is {entry}\n{}",
            daemon.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The ids of the jobs newer than `after`.
async fn jobs_after(daemon: &Daemon, after: i64) -> Vec<i64> {
    let jobs = daemon.get_json("/v1/jobs?limit=100").await;
    jobs["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j["id"].as_i64())
        .filter(|&id| id > after)
        .collect()
}

/// How many of `holders` hold `SKILL` in the simulator's truth (not counted in its stats).
async fn holding(http: &reqwest::Client, sim: &Sim, holders: &[String]) -> usize {
    let mut n = 0;
    for id in holders {
        let user = truth(http, sim, id).await;
        if user["skills"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["name"] == SKILL)
        {
            n += 1;
        }
    }
    n
}

/// The kinds of call the summary shows, by "METHOD path" prefix of a `sim_calls::calls` key.
const KINDS: &[(&str, &str)] = &[
    (
        "removals (DELETE users/{id}/routingskills/{skill_id})",
        "DELETE /api/v2/users/{id}/routingskills/{skill_id} ",
    ),
    (
        "users reads (GET /api/v2/users: scan pages + id reads)",
        "GET /api/v2/users ",
    ),
    (
        "definition listings (GET routing/skills)",
        "GET /api/v2/routing/skills ",
    ),
    (
        "skill-group listings (GET routing/skillgroups)",
        "GET /api/v2/routing/skillgroups ",
    ),
    (
        "skill-group reads (GET routing/skillgroups/{id})",
        "GET /api/v2/routing/skillgroups/{id} ",
    ),
    (
        "definition deletes (DELETE routing/skills/{id})",
        "DELETE /api/v2/routing/skills/{id} ",
    ),
];

/// Calls that are not logins (`/oauth/token`), which the pacer does not count either.
fn paced(calls: &BTreeMap<String, u64>) -> u64 {
    calls
        .iter()
        .filter(|(k, _)| !k.contains(" /oauth/token "))
        .map(|(_, n)| n)
        .sum()
}

fn other(calls: &BTreeMap<String, u64>) -> u64 {
    paced(calls)
        - KINDS
            .iter()
            .map(|(_, prefix)| count(calls, prefix))
            .sum::<u64>()
}

async fn retire(scale: &Scale, admin_url: &str) {
    let http = reqwest::Client::new();
    let sim = start_sim(&["--agents", &scale.agents.to_string(), "--seed", SEED]).await;
    let db = Database::create(admin_url).await.expect("a database");
    define_skills(&http, &sim, &[SKILL, REPLACEMENT]).await;
    let all = users(&http, &sim).await;
    let holders: Vec<String> = all
        .iter()
        .filter(|(email, _)| {
            email
                .strip_prefix("agent")
                .and_then(|rest| rest.strip_suffix("@example.com"))
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| (1..=scale.holders).contains(&n))
        })
        .map(|(_, id)| id.clone())
        .collect();
    assert_eq!(holders.len(), scale.holders as usize, "the holders exist");
    // The bench's own calls all use this token: no login of the bench falls in a phase.
    let token = fetch_token(&http, &sim.base).await;
    let group = sim_call(
        &http,
        &sim,
        &token,
        reqwest::Method::POST,
        GROUPS,
        json!({ "name": GROUP, "skillConditions": condition(SKILL) }),
    )
    .await;
    let group_id = group["id"].as_str().expect("group id").to_string();
    let groups = sim_call(
        &http,
        &sim,
        &token,
        reqwest::Method::GET,
        &format!("{GROUPS}?pageSize=100"),
        Value::Null,
    )
    .await;
    let group_count = groups["entities"].as_array().map_or(0, Vec::len);

    let grace_hours = (GRACE_SECS / 3600.0).to_string();
    let daemon = Daemon::start(
        &sim.base,
        &db.url(),
        &[
            ("SKILLSYNC__RECONCILE__SETTLE_SECS", "1"),
            ("SKILLSYNC__SKILLS__CHECK_SECS", CHECK_SECS),
            (
                "SKILLSYNC__SKILLS__RETIRE_GRACE_HOURS",
                grace_hours.as_str(),
            ),
        ],
    )
    .await;
    let first = daemon.newest_job().await;
    let (job, _) = daemon.wait_job(first, scale.limit).await;
    assert_eq!(job["status"], "succeeded", "start-up scan: {job}");

    // The holders get the skill and the daemon sees them hold it.
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=scale.holders {
        csv.push_str(&format!("agent{n:05}@example.com,skill,{SKILL},3\n"));
    }
    let (status, body) = daemon
        .post(
            "/v1/feeds?scope=partial&source=bench",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 202, "{body}\n{}", daemon.log_tail());
    let feed_id = body["job_id"].as_i64().expect("job id");
    let (job, _) = daemon.wait_job(feed_id, scale.limit).await;
    assert_eq!(job["status"], "succeeded", "feed job: {job}");
    let expected = u64::from(scale.holders);
    wait_entry(&daemon, Instant::now(), scale.limit, "feed", |s| {
        s["holders"].as_u64() == Some(expected)
    })
    .await;
    assert_eq!(
        holding(&http, &sim, &holders).await,
        holders.len(),
        "the simulator's truth: every holder holds {SKILL}"
    );

    // Phase 1: retire now; every holder loses it.
    reset_sim_stats(&http, &sim).await;
    let sent = Instant::now();
    let (status, body) = daemon
        .post(
            &format!("/v1/skills/{SKILL}/retire"),
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{body}\n{}", daemon.log_tail());
    let (_, no_holder) = wait_entry(&daemon, sent, scale.limit, "holders to 0", |s| {
        s["holders"].as_u64() == Some(0)
    })
    .await;
    let (blocked, blocked_at) =
        wait_entry(&daemon, sent, scale.limit, "blocked by the group", |s| {
            s["retirement"]["blocked_by"]
                .as_str()
                .is_some_and(|b| b.contains(GROUP))
        })
        .await;
    let mut removal_jobs = Vec::new();
    for id in jobs_after(&daemon, feed_id).await {
        let remaining = scale.limit.saturating_sub(sent.elapsed());
        let (job, _) = daemon.wait_job(id, remaining).await;
        removal_jobs.push(job);
    }
    let settled = sent.elapsed();
    let removal = calls(&sim_stats(&http, &sim).await);
    let still = holding(&http, &sim, &holders).await;

    // Phase 2: the group's reference goes (the bench's PATCH, not counted); the definition goes
    // once the grace period has passed.
    reset_sim_stats(&http, &sim).await;
    let patched = Instant::now();
    sim_call(
        &http,
        &sim,
        &token,
        reqwest::Method::PATCH,
        &format!("{GROUPS}/{group_id}"),
        json!({ "skillConditions": condition(REPLACEMENT) }),
    )
    .await;
    let (retired, retired_at) = wait_entry(&daemon, patched, scale.limit, "retired", |s| {
        s["retirement"]["state"] == "retired"
    })
    .await;
    let mut definition = calls(&sim_stats(&http, &sim).await);
    definition.retain(|k, _| !k.starts_with("PATCH /api/v2/routing/skillgroups/{id} "));
    let listed = sim_call(
        &http,
        &sim,
        &token,
        reqwest::Method::GET,
        "/api/v2/routing/skills?pageSize=500",
        Value::Null,
    )
    .await;
    let still_defined = listed["entities"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|d| d["name"] == SKILL && d["state"] != "deleted");

    // The table.
    let holders_n = scale.holders as f64;
    println!(
        "## retirement: {} of {} agents hold {SKILL}; {group_count} skill groups, one naming it; \
         skills.check_secs = {CHECK_SECS}, grace {GRACE_SECS} s\n",
        scale.holders, scale.agents
    );
    let mut header = vec!["phase".to_string(), "wall time".to_string()];
    header.extend(KINDS.iter().map(|(name, _)| name.to_string()));
    header.extend(["other".to_string(), "total (no logins)".to_string()]);
    header.push("calls per holder".to_string());
    println!("| {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(header.len() - 1));
    let row = |phase: &str, wall: String, calls: &BTreeMap<String, u64>| {
        let mut cells = vec![phase.to_string(), wall];
        cells.extend(
            KINDS
                .iter()
                .map(|(_, prefix)| count(calls, prefix).to_string()),
        );
        cells.push(other(calls).to_string());
        cells.push(paced(calls).to_string());
        cells.push(format!("{:.3}", paced(calls) as f64 / holders_n));
        println!("| {} |", cells.join(" | "));
    };
    row(
        "1. retire → holders 0 (and the removal job settled)",
        format!(
            "{:.2} s ({:.2} s to settled)",
            no_holder.as_secs_f64(),
            settled.as_secs_f64()
        ),
        &removal,
    );
    row(
        "2. group reference removed → retired",
        format!("{:.2} s", retired_at.as_secs_f64()),
        &definition,
    );
    println!();
    let job_lines: Vec<String> = removal_jobs
        .iter()
        .map(|j| {
            format!(
                "{} {} {} ({:.2} s)",
                j["trigger"].as_str().unwrap_or_default(),
                j["status"].as_str().unwrap_or_default(),
                j["counts"],
                job_seconds(j)
            )
        })
        .collect();
    println!("removal jobs: {}", job_lines.join("; "));
    println!(
        "retire → blocked_by recorded: {:.2} s ({})",
        blocked_at.as_secs_f64(),
        blocked["retirement"]["blocked_by"]
    );
    let checks = count(&definition, "GET /api/v2/routing/skillgroups ");
    let group_calls = checks + count(&definition, "GET /api/v2/routing/skillgroups/{id} ");
    let listings = count(&definition, "GET /api/v2/routing/skills ");
    println!(
        "phase 2: {checks} checks read the skill groups ({group_calls} skill-group calls, {:.1} a check); \
         {listings} definition listings ({:.1} a check, one of them the delete's own lookup)",
        group_calls as f64 / checks.max(1) as f64,
        listings as f64 / checks.max(1) as f64
    );
    println!(
        "retirement: {}\n",
        serde_json::to_string(&retired["retirement"]).unwrap_or_default()
    );
    print_calls(
        &["1. retire → holders 0", "2. reference removed → retired"],
        &[&removal, &definition],
    );

    // The invariants.
    assert_eq!(still, 0, "the simulator's truth: no holder keeps {SKILL}");
    assert!(
        removal_jobs.iter().all(|j| j["status"] == "succeeded"),
        "{removal_jobs:?}"
    );
    assert_eq!(
        count(
            &removal,
            "DELETE /api/v2/users/{id}/routingskills/{skill_id} 20"
        ),
        expected,
        "one removal call per holder: {removal:?}"
    );
    assert_eq!(
        count(&removal, "DELETE /api/v2/routing/skills/"),
        0,
        "nothing deleted while the group names it"
    );
    assert_eq!(retired["retirement"]["outcome"], "deleted", "{retired}");
    assert_eq!(
        count(&definition, "DELETE /api/v2/routing/skills/{id} 20"),
        1,
        "one definition delete: {definition:?}"
    );
    assert_eq!(
        count(&definition, "DELETE /api/v2/users/"),
        0,
        "no agent written in phase 2: {definition:?}"
    );
    assert!(!still_defined, "{SKILL} is no longer defined");
    assert!(
        retired_at >= Duration::from_secs_f64(GRACE_SECS),
        "the grace period was kept: {retired_at:?}"
    );
}
