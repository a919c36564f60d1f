//! `skillsync serve` on a NICE CXone org: a feed on CXone's scale converges with every write
//! audited; an incremental scan finds an edit made in the CXone UI (the simulator's admin
//! endpoint) and reverts it under `enforce` or reports it under `report`, and with nothing
//! changed costs one call.

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::cxone_helpers::{cx_org, spawn_cxone_sim, CxSim};
use crate::helpers::{daemon_settings, database_url, spawn_daemon, TestDaemon};
use skillsync::planner::AttributePolicy;
use skillsync::sim::SimConfig;

/// The first skill of the tenant and its id: the one skill the feed manages.
async fn managed(sim: &CxSim) -> (u64, String) {
    let skills = sim.get("/skills?top=1").await;
    let skill = &skills["skills"][0];
    (
        skill["skillId"].as_u64().expect("id"),
        skill["skillName"].as_str().expect("name").to_string(),
    )
}

fn settings(
    sim: &CxSim,
    db: &PgConnectOptions,
    policy: AttributePolicy,
) -> skillsync::config::Settings {
    let mut settings = daemon_settings(sim, &database_url(db));
    settings.platform.kind = "cxone".into();
    settings.platform.access_key_id = "skillsync-sim".into();
    settings.platform.access_key_secret = "skillsync-sim-secret".into();
    settings.policy.skills = policy;
    settings
}

async fn proficiency(sim: &CxSim, agent: u64, skill: u64) -> Option<u64> {
    sim.held(agent)
        .await
        .into_iter()
        .find(|(s, _)| *s == skill)
        .map(|(_, p)| p)
}

/// A daemon whose feed gave agents 1–4 `skill` at 3 and converged; `(daemon, agents)`.
async fn converged(
    sim: &CxSim,
    db: &PgConnectOptions,
    policy: AttributePolicy,
    name: &str,
) -> (TestDaemon, Vec<u64>) {
    let agents = sim.agent_ids().await;
    let daemon = spawn_daemon(settings(sim, db, policy)).await;
    let mut feed = String::from("agent,type,name,proficiency\n");
    for n in 1..=4 {
        feed.push_str(&format!("agent{n:05}@example.com,skill,{name},3\n"));
    }
    let job: Value = daemon.post_feed(&feed, "partial").await;
    daemon.wait_started(&job, &["succeeded"]).await;
    daemon.idle().await;
    (daemon, agents)
}

#[sqlx::test(migrations = false)]
async fn an_incremental_scan_reverts_a_ui_edit_and_costs_one_call_when_nothing_changed(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_cxone_sim(SimConfig {
        agents: 30,
        ..cx_org()
    })
    .await;
    let (skill, name) = managed(&sim).await;
    let (daemon, agents) = converged(&sim, &db, AttributePolicy::Enforce, &name).await;
    assert_eq!(proficiency(&sim, agents[1], skill).await, Some(3));
    let audit = daemon.get_json("/v1/audit?limit=1000").await;
    assert!(
        !audit["entries"].as_array().expect("entries").is_empty(),
        "the feed's writes were audited: {audit}"
    );

    // The first incremental scan sees the feed job's own writes (made after its read) and
    // finds nothing to do; after it nothing has changed: one call.
    daemon.incremental_scan().await;
    sim.reset_stats().await;
    let done = daemon.incremental_scan().await;
    let stats = sim.stats().await;
    let api: Vec<_> = stats
        .requests
        .iter()
        .filter(|r| r.path.starts_with("/inContactAPI"))
        .collect();
    assert_eq!(
        api.iter().map(|r| r.count).sum::<u64>(),
        1,
        "one listing call: {api:?} ({done})"
    );

    sim.admin_edit(
        agents[1],
        json!({"skills": [{"id": skill, "proficiency": 17}]}),
    )
    .await;
    assert_eq!(proficiency(&sim, agents[1], skill).await, Some(17));
    daemon.incremental_scan().await;
    assert_eq!(
        proficiency(&sim, agents[1], skill).await,
        Some(3),
        "the UI edit was reverted"
    );
    let metrics = daemon.metrics_text().await;
    assert!(
        metrics.contains("skillsync_jobs_total{org=\"default\",trigger=\"incremental_scan\",result=\"succeeded\"}"),
        "{metrics}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn under_report_an_incremental_scan_shows_a_ui_edit_as_drift_and_writes_nothing(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_cxone_sim(SimConfig {
        agents: 30,
        ..cx_org()
    })
    .await;
    let (skill, name) = managed(&sim).await;
    // Enforced first so that the feed lands, then a daemon under `report` on the same database.
    let (daemon, agents) = converged(&sim, &db, AttributePolicy::Enforce, &name).await;
    daemon.stop().await;
    let daemon = spawn_daemon(settings(&sim, &db, AttributePolicy::Report)).await;
    daemon.idle().await;

    sim.admin_edit(
        agents[2],
        json!({"skills": [{"id": skill, "proficiency": 11}]}),
    )
    .await;
    sim.reset_stats().await;
    daemon.incremental_scan().await;
    assert_eq!(sim.stats().await.writes, 0, "report never writes");
    assert_eq!(proficiency(&sim, agents[2], skill).await, Some(11));
    let drift = daemon.get_json(&format!("/v1/drift?skill={name}")).await;
    assert_eq!(drift["total"], 1, "{drift}");
    assert_eq!(drift["agents"][0]["user_id"], agents[2].to_string());
    assert_eq!(drift["agents"][0]["drift"][0]["from"], 11.0);
    assert_eq!(drift["agents"][0]["drift"][0]["to"], 3.0);
    daemon.stop().await;
}
