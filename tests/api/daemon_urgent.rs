//! Urgent work first (issue 14): while a feed job over 900 agents is paced through a budget
//! that makes it take minutes, a certification expiring a few seconds ahead loses its gate skill
//! and entry within 60 s of the instant, and a one-agent run completes. Neither waits for the
//! feed job, which the tests do not wait for either: they stop the daemon while it runs.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::daemon_certifications::holds;
use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};
use crate::helpers::{TestDaemon, TestSim};
use skillsync::feed::CertificationSettings;

/// Agents in the long feed job; the org has one more, which the feed job leaves alone.
const AGENTS: u32 = 900;
/// The budget that paces the feed job: 900 writes take about three minutes.
const REQUESTS_PER_MINUTE: u32 = 300;

/// The certification row of agent 1, expiring at `expires`.
fn certification_row(expires: DateTime<Utc>) -> String {
    format!(
        "agent00001@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{}\n",
        expires.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// A daemon paced at [`REQUESTS_PER_MINUTE`] over a 900-agent org with the PCI-DSS gate, after
/// its start-up scan.
async fn paced_daemon(db: &PgConnectOptions) -> (TestSim, TestDaemon, String) {
    let mut org = small_org();
    org.agents = AGENTS + 1;
    let sim = spawn_sim(org).await;
    sim.ok(
        Method::POST,
        "/api/v2/routing/skills",
        Some(json!({"name": "Bulk_Skill"})),
    )
    .await;
    let user = sim.user_ids().await.remove(0);
    let daemon = gated_daemon(&sim, db, |settings| {
        settings.platform.requests_per_minute = REQUESTS_PER_MINUTE;
    })
    .await;
    (sim, daemon, user)
}

/// A daemon gating PCI-DSS with `Gate_PCI` (created on `sim`), after its start-up scan;
/// `adjust` changes its settings first.
async fn gated_daemon(
    sim: &TestSim,
    db: &PgConnectOptions,
    adjust: impl FnOnce(&mut skillsync::config::Settings),
) -> TestDaemon {
    sim.ok(
        Method::POST,
        "/api/v2/routing/skills",
        Some(json!({"name": "Gate_PCI"})),
    )
    .await;
    let mut settings = daemon_settings(sim, &database_url(db));
    // The seeded org holds certifications the feeds do not list; their removal is no mass change
    // these tests are about.
    settings.safety.max_destructive = usize::MAX;
    settings.feed.certifications.insert(
        "PCI-DSS".into(),
        CertificationSettings {
            gate_skill: Some("Gate_PCI".into()),
            ..CertificationSettings::default()
        },
    );
    adjust(&mut settings);
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    daemon
}

/// Posts the long feed job (every agent gains `Bulk_Skill`; agent 1 keeps its certification
/// row, expiring at `expires`) and waits until it runs.
async fn start_long_job(daemon: &TestDaemon, expires: DateTime<Utc>) -> i64 {
    let mut csv = String::from("agent,type,name,proficiency,issued_on,expires_on\n");
    for i in 1..=AGENTS {
        writeln!(csv, "agent{i:05}@example.com,skill,Bulk_Skill,3,,").expect("write");
    }
    csv.push_str(&certification_row(expires));
    let accepted = daemon.post_feed(&csv, "partial").await;
    let id = accepted["job_id"].as_i64().expect("job id");
    daemon.wait_job(id, &["running"]).await;
    id
}

/// Asserts the long job is still running: what was measured happened beside it.
async fn assert_still_running(daemon: &TestDaemon, id: i64) {
    let job = daemon.get_json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(job["job"]["status"], "running", "{job}");
}

#[sqlx::test(migrations = false)]
async fn a_certification_expiring_during_a_long_feed_job_is_revoked_within_60_s(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (sim, daemon, user) = paced_daemon(&db).await;
    // Far enough ahead for the grant and for the long job to start, near enough for a short test.
    let expires = Utc::now() + chrono::Duration::seconds(20);
    let csv = format!(
        "agent,type,name,proficiency,issued_on,expires_on\n{}",
        certification_row(expires)
    );
    let accepted = daemon.post_feed(&csv, "partial").await;
    let granted = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    assert_eq!(granted["job"]["status"], "succeeded", "{granted}");
    assert_eq!(holds(&sim.truth(&user).await), (true, true), "granted");
    let long = start_long_job(&daemon, expires).await;
    assert!(
        Utc::now() < expires,
        "the long job started before the expiry"
    );

    let deadline = Instant::now() + Duration::from_secs(80);
    loop {
        let truth = sim.truth(&user).await;
        if holds(&truth) == (false, false) {
            break;
        }
        assert!(Instant::now() < deadline, "not revoked: {truth}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let latency = Utc::now() - expires;
    println!(
        "certification latency under load: gate skill and entry removed {:.1} s after the \
         expiry instant",
        latency.as_seconds_f64()
    );
    assert!(
        latency < chrono::Duration::seconds(60),
        "revoked {latency} after the instant"
    );
    assert_still_running(&daemon, long).await;

    // The urgent job planned one agent and says why no safety threshold held it.
    let jobs = daemon.get_json("/v1/jobs?limit=100").await;
    let urgent = jobs["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .find(|j| j["trigger"] == "certification")
        .cloned()
        .expect("an urgent certification job");
    assert_eq!(urgent["urgent"], true, "{urgent}");
    let id = urgent["id"].as_i64().expect("id");
    let job = daemon.wait_job(id, &["succeeded", "failed"]).await;
    assert_eq!(job["job"]["status"], "succeeded", "{}", job["job"]);
    let plan = &job["job"]["plan"];
    assert!(
        plan["safety"]
            .as_str()
            .is_some_and(|s| s.starts_with("not applied")),
        "{plan}"
    );
    assert_eq!(plan["agents"].as_array().map(Vec::len), Some(1), "{plan}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_one_agent_run_completes_while_a_long_feed_job_runs(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (sim, daemon, _) = paced_daemon(&db).await;
    let long = start_long_job(&daemon, Utc::now() + chrono::Duration::days(365)).await;
    // A feed for an agent the long job does not cover: its own job queues behind the long one,
    // and the one-agent run applies it without waiting.
    let agent = "agent00901@example.com";
    let csv =
        format!("agent,type,name,proficiency,issued_on,expires_on\n{agent},skill,Bulk_Skill,4,,\n");
    let queued = daemon.post_feed(&csv, "partial").await;
    let user = daemon
        .ctx
        .store
        .agent(agent)
        .await
        .expect("read")
        .expect("observed at start-up")
        .user_id;
    let before = sim.truth(&user).await;
    let asked = Instant::now();
    let answer: Value = daemon
        .post_json("/v1/reconcile", json!({"agent": agent}))
        .await
        .json()
        .await
        .expect("json");
    let done = daemon.wait_started(&answer, &["succeeded", "failed"]).await;
    let took = asked.elapsed();
    println!(
        "one-agent run beside the long job: {:.1} s",
        took.as_secs_f64()
    );
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_still_running(&daemon, long).await;
    let feed_job = daemon
        .get_json(&format!("/v1/jobs/{}", queued["job_id"]))
        .await;
    assert_eq!(feed_job["job"]["status"], "queued", "{feed_job}");
    let after = sim.truth(&user).await;
    let bulk = |t: &Value| {
        t["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .any(|s| s["name"] == "Bulk_Skill")
    };
    assert!(!bulk(&before) && bulk(&after), "{before} -> {after}");
    daemon.stop().await;
}

/// Waits until `user` holds neither the gate skill nor the entry; the time since `instant`.
async fn revoked_after(sim: &TestSim, user: &str, instant: DateTime<Utc>) -> chrono::Duration {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let truth = sim.truth(user).await;
        if holds(&truth) == (false, false) {
            return Utc::now() - instant;
        }
        assert!(Instant::now() < deadline, "not revoked: {truth}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn a_certification_instant_does_not_wait_for_the_previous_ones_verification(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    // A settle time far longer than the gap between two expiries: the first certification job
    // spends it verifying, and the second must not wait for that.
    const SETTLE_SECS: f64 = 15.0;
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let daemon = gated_daemon(&sim, &db, |settings| {
        settings.reconcile.settle_secs = SETTLE_SECS;
    })
    .await;
    // Far enough ahead for the grant job, which verifies after the settle time too.
    let first = Utc::now() + chrono::Duration::seconds(SETTLE_SECS as i64 + 12);
    let second = first + chrono::Duration::seconds(5);
    let show = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let csv = format!(
        "agent,type,name,proficiency,issued_on,expires_on\n\
         agent00001@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{}\n\
         agent00002@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{}\n",
        show(first),
        show(second)
    );
    let accepted = daemon.post_feed(&csv, "partial").await;
    let granted = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    assert_eq!(granted["job"]["status"], "succeeded", "{granted}");
    assert!(Utc::now() < first, "granted before the first expiry");
    assert_eq!(holds(&sim.truth(&users[1]).await), (true, true), "granted");

    let one = revoked_after(&sim, &users[0], first).await;
    let two = revoked_after(&sim, &users[1], second).await;
    println!(
        "certification latency: {:.1} s and {:.1} s, {SETTLE_SECS} s settle",
        one.as_seconds_f64(),
        two.as_seconds_f64()
    );
    // Behind the first job's verification the second would take about 10 s.
    assert!(
        two < chrono::Duration::seconds(5),
        "the second expiry waited {two} (the first: {one})"
    );
    daemon.stop().await;
}
