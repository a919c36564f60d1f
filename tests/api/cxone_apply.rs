//! `skillsync apply` on a NICE CXone org, against the CXone simulator: exact convergence, no
//! second write, unmanaged skills untouched, removals as deletes, failed items inside a 200
//! re-read until they land, and convergence through item failures, 503s, 429s and lag.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::cxone_helpers::{cx_org, spawn_cxone_sim, CxSim};
use crate::helpers::apply;
use skillsync::domain::FeedScope;
use skillsync::platform::cxone::calls;
use skillsync::sim::{Faults, SimConfig};

/// `[platform]` for the simulated tenant.
pub fn cx_settings(sim: &CxSim) -> skillsync::config::Settings {
    let mut settings = skillsync::config::Settings::load_from_toml(
        "[platform]\nkind = \"cxone\"",
        config::Environment::with_prefix("SKILLSYNC_TEST_UNUSED"),
    )
    .expect("settings");
    settings.platform.base_url = sim.base.clone();
    settings.platform.access_key_id = "skillsync-sim".into();
    settings.platform.access_key_secret = "skillsync-sim-secret".into();
    settings.platform.requests_per_minute = 100_000;
    settings.reconcile.settle_secs = 0.05;
    settings
}

/// A feed on CXone's own scale, read as a CXone org's feeds are.
pub fn cx_desired(csv: &str, scope: FeedScope) -> skillsync::domain::DesiredState {
    crate::helpers::desired_on(csv, scope, "cxone")
}

/// Skill id → name of the tenant.
async fn skill_names(sim: &CxSim) -> BTreeMap<u64, String> {
    sim.get("/skills?top=500").await["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|s| {
            (
                s["skillId"].as_u64().expect("id"),
                s["skillName"].as_str().expect("name").to_string(),
            )
        })
        .collect()
}

/// Agent id → the (skill name, proficiency) it truly holds.
async fn truths(
    sim: &CxSim,
    names: &BTreeMap<u64, String>,
) -> BTreeMap<u64, BTreeSet<(String, u64)>> {
    let mut out = BTreeMap::new();
    for agent in sim.agent_ids().await {
        let held = sim
            .held(agent)
            .await
            .into_iter()
            .map(|(skill, p)| (names[&skill].clone(), p))
            .collect();
        out.insert(agent, held);
    }
    out
}

fn email(agent: u64) -> String {
    format!("agent{:05}@example.com", agent - 1_000_000)
}

/// A partial feed listing every agent with one or two of the `managed` skills on CXone's
/// scale; returns it and what each agent should then hold of them.
fn feed(agents: &[u64], managed: &[String]) -> (String, BTreeMap<u64, BTreeSet<(String, u64)>>) {
    let mut csv = String::from("agent,type,name,proficiency\n");
    let mut want = BTreeMap::new();
    for &agent in agents {
        let n = agent as usize;
        let mut skills = BTreeSet::new();
        skills.insert((managed[n % managed.len()].clone(), 1 + (n % 20) as u64));
        if n % 4 == 0 {
            skills.insert((
                managed[(n + 1) % managed.len()].clone(),
                20 - (n % 7) as u64,
            ));
        }
        for (name, p) in &skills {
            csv.push_str(&format!("{},skill,{name},{p}\n", email(agent)));
        }
        want.insert(agent, skills);
    }
    (csv, want)
}

fn managed_of(held: &BTreeSet<(String, u64)>, managed: &[String]) -> BTreeSet<(String, u64)> {
    held.iter()
        .filter(|(n, _)| managed.contains(n))
        .cloned()
        .collect()
}

/// Asserts the agents hold exactly `want` of the managed skills and nothing else changed.
fn assert_converged_exactly(
    before: &BTreeMap<u64, BTreeSet<(String, u64)>>,
    after: &BTreeMap<u64, BTreeSet<(String, u64)>>,
    want: &BTreeMap<u64, BTreeSet<(String, u64)>>,
    managed: &[String],
) {
    for (agent, held) in after {
        assert_eq!(
            &managed_of(held, managed),
            &want[agent],
            "managed skills of {agent}"
        );
        let unmanaged = |s: &BTreeSet<(String, u64)>| -> BTreeSet<(String, u64)> {
            s.iter()
                .filter(|(n, _)| !managed.contains(n))
                .cloned()
                .collect()
        };
        assert_eq!(
            unmanaged(&before[agent]),
            unmanaged(held),
            "unmanaged skills of {agent}"
        );
    }
}

async fn org(agents: u32, faults: Faults) -> (CxSim, Vec<String>) {
    let sim = spawn_cxone_sim(SimConfig {
        agents,
        faults,
        ..cx_org()
    })
    .await;
    let names = skill_names(&sim).await;
    let managed: Vec<String> = names.values().take(6).cloned().collect();
    (sim, managed)
}

#[tokio::test]
async fn apply_converges_500_agents_exactly_in_fewer_calls_than_one_per_agent_and_then_writes_nothing(
) {
    let (sim, managed) = org(500, Faults::none()).await;
    let names = skill_names(&sim).await;
    let agents = sim.agent_ids().await;
    let before = truths(&sim, &names).await;
    let (csv, want) = feed(&agents, &managed);
    let settings = cx_settings(&sim);
    let state = cx_desired(&csv, FeedScope::Partial);

    let (report, calls) = apply(&settings, &state, true).await;
    let report = report.expect("applied");
    assert!(report.converged(), "{:?}", report.failures);
    assert_converged_exactly(&before, &truths(&sim, &names).await, &want, &managed);

    let per_agent_floor: usize = report
        .plan
        .agents
        .iter()
        .map(|a| {
            a.changes
                .iter()
                .filter(|c| c.writable)
                .map(|c| format!("{:?}", std::mem::discriminant(&c.action)))
                .collect::<BTreeSet<_>>()
                .len()
        })
        .sum();
    assert!(
        calls.writes() < per_agent_floor as u64,
        "{} writes for a per-agent floor of {per_agent_floor}: {calls:?}",
        calls.writes()
    );
    let removals = calls.of(calls::DELETE_AGENT_SKILLS) + calls.of(calls::DELETE_SKILL_AGENT);
    assert!(removals > 0, "removals went out as deletes: {calls:?}");
    let stats = sim.stats().await;
    assert!(
        stats.requests.iter().all(|r| r.status < 400),
        "no call was refused: {:?}",
        stats
            .requests
            .iter()
            .filter(|r| r.status >= 400)
            .collect::<Vec<_>>()
    );

    sim.reset_stats().await;
    let (second, calls) = apply(&settings, &state, false).await;
    assert_eq!(second.expect("applied").agents_changed, 0);
    assert_eq!(calls.writes(), 0);
    assert_eq!(sim.stats().await.writes, 0);
}

#[tokio::test]
async fn agents_whose_items_failed_inside_a_200_are_re_read_and_converge() {
    let (sim, managed) = org(40, Faults::none()).await;
    let names = skill_names(&sim).await;
    let agents = sim.agent_ids().await;
    let before = truths(&sim, &names).await;
    let (csv, want) = feed(&agents, &managed);
    sim.set_faults(json!({"item_fail_next": 5})).await;

    let (report, calls) = apply(
        &cx_settings(&sim),
        &cx_desired(&csv, FeedScope::Partial),
        true,
    )
    .await;
    let report = report.expect("applied");
    assert!(report.converged(), "{:?}", report.failures);
    assert_converged_exactly(&before, &truths(&sim, &names).await, &want, &managed);
    assert_eq!(
        sim.set_faults(json!({})).await["item_fail_next"],
        0,
        "all 5 failed"
    );
    let rereads = calls.of(calls::GET_AGENT_SKILLS) + calls.of(calls::LIST_ASSIGNMENTS);
    assert!(rereads > 1, "the failed agents were read again: {calls:?}");
}

#[tokio::test]
async fn a_300_agent_org_converges_through_item_failures_503s_a_429_storm_and_lag() {
    let (sim, managed) = org(300, Faults::none()).await;
    let names = skill_names(&sim).await;
    let agents = sim.agent_ids().await;
    let before = truths(&sim, &names).await;
    let (csv, want) = feed(&agents, &managed);
    sim.set_faults(json!({
        "item_failure_rate": 0.05,
        "error_rate": 0.10,
        "rate_limit": 300,
        "rate_burst": 4,
        "lag_ms": 2000,
    }))
    .await;
    let mut settings = cx_settings(&sim);
    // Twice the tenant's budget: a storm of 429s that the transport must ride out.
    settings.platform.requests_per_minute = 600;
    settings.reconcile.settle_secs = 2.5;

    let (report, calls) = apply(&settings, &cx_desired(&csv, FeedScope::Partial), true).await;
    let report = report.expect("applied");
    assert!(report.converged(), "{:?}", report.failures);
    sim.set_faults(json!({"lag_ms": 0, "error_rate": 0.0, "item_failure_rate": 0.0}))
        .await;
    assert_converged_exactly(&before, &truths(&sim, &names).await, &want, &managed);
    let stats = sim.stats().await;
    assert!(stats.throttled > 0, "the storm happened");
    assert!(calls.retries > 0, "503s and 429s were retried: {calls:?}");
}
