//! Respecting the contact center's day (issue 15): routine changes wait while an agent is on an
//! interaction and land once it is free; urgent ones (a lapsing certification's gate skill) never
//! wait; outside the change windows a routine feed waits as `waiting_window` and is applied when
//! a window opens; `policy.max_defer_secs` writes a long-busy agent and audits it as forced.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::daemon_certifications::holds;
use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};
use crate::helpers::{TestDaemon, TestSim};
use skillsync::config::Settings;
use skillsync::feed::CertificationSettings;

const SKILL: &str = "Deferral_Skill";

/// Sets a user's routing status on the simulator.
async fn set_status(sim: &TestSim, user: &str, status: &str) {
    let resp = sim
        .http
        .post(sim.url(&format!("/sim/users/{user}/routingstatus")))
        .json(&json!({ "status": status }))
        .send()
        .await
        .expect("sim");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

/// Every user's id and login email, in listing order.
async fn users(sim: &TestSim) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for id in sim.user_ids().await {
        let email = sim.truth(&id).await["email"]
            .as_str()
            .expect("email")
            .to_owned();
        all.push((id, email));
    }
    all
}

/// A CSV feed giving each of `emails` [`SKILL`] at proficiency 3.
fn skill_feed<'a>(emails: impl IntoIterator<Item = &'a String>) -> String {
    let mut csv = String::from("agent,type,name,proficiency\n");
    for email in emails {
        writeln!(csv, "{email},skill,{SKILL},3").expect("write");
    }
    csv
}

/// A simulator of 20 agents with [`SKILL`] defined, and a daemon on it (after its start-up job)
/// re-checking deferred agents every second; `adjust` changes the settings first.
async fn daemon(
    db: &PgConnectOptions,
    adjust: impl FnOnce(&mut Settings),
) -> (TestSim, TestDaemon) {
    let sim = spawn_sim(small_org()).await;
    for name in [SKILL, "Gate_PCI"] {
        sim.ok(
            Method::POST,
            "/api/v2/routing/skills",
            Some(json!({ "name": name })),
        )
        .await;
    }
    let mut settings = daemon_settings(&sim, &database_url(db));
    settings.policy.defer_recheck_secs = 1.0;
    // The seeded org holds certifications the feeds do not list; their removal is no mass change
    // these tests are about.
    settings.safety.max_destructive = usize::MAX;
    adjust(&mut settings);
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    (sim, daemon)
}

/// Writes per user id since the last reset.
async fn writes(sim: &TestSim) -> BTreeMap<String, u64> {
    sim.stats().await.writes_per_user
}

/// Asserts that every one of `users` was written except those `waiting`, which got no call.
async fn assert_written_all_but(
    sim: &TestSim,
    users: &[(String, String)],
    waiting: &[&(String, String)],
) {
    let written = writes(sim).await;
    for (id, email) in users {
        let waits = waiting.iter().any(|(w, _)| w == id);
        assert_eq!(written.contains_key(id), !waits, "{email}: {written:?}");
    }
}

/// The agent records of `/v1/drift` in `state`.
async fn agents_in(daemon: &TestDaemon, state: &str) -> Vec<Value> {
    let page = daemon
        .get_json(&format!("/v1/drift?state={state}&limit=100"))
        .await;
    page["agents"].as_array().expect("agents").clone()
}

/// Polls `check` every 100 ms until it holds or `limit` passes; how long it took.
async fn within<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

#[sqlx::test(migrations = false)]
async fn routine_changes_wait_for_interacting_agents_and_land_once_they_are_free(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (sim, daemon) = daemon(&db, |_| {}).await;
    let users = users(&sim).await;
    let busy: Vec<&(String, String)> = users.iter().skip(3).step_by(2).take(8).collect();
    for (id, _) in &busy {
        set_status(&sim, id, "INTERACTING").await;
    }
    sim.reset_stats().await;

    let accepted = daemon
        .post_feed(&skill_feed(users.iter().map(|(_, e)| e)), "partial")
        .await;
    let job = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    // Waiting is not failing.
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    assert_eq!(
        job["job"]["counts"],
        json!({"converged": 12, "deferred": 8}),
        "{job}"
    );
    assert_written_all_but(&sim, &users, &busy).await;
    let deferred = agents_in(&daemon, "deferred").await;
    assert_eq!(deferred.len(), 8, "{deferred:?}");
    for agent in &deferred {
        let reason = agent["last_error"].as_str().expect("reason");
        assert!(
            reason.starts_with("agent is INTERACTING since "),
            "{reason}"
        );
    }
    let drift = daemon.get_json("/v1/drift?limit=0").await;
    assert_eq!(drift["summary"]["deferred"], 8, "{drift}");
    assert_eq!(drift["summary"]["needs_attention"], 0, "{drift}");
    let metrics = daemon.metrics_text().await;
    assert!(
        metrics.contains("skillsync_deferred_agents{org=\"default\"} 8\n"),
        "{metrics}"
    );
    // The statuses came with the users listing: not one status or adherence call.
    let stats = sim.stats().await;
    for r in &stats.requests {
        assert!(
            !r.path.contains("routingstatus") && !r.path.contains("adherence"),
            "{r:?}"
        );
    }

    // Free again: each is written by the next re-check (every second).
    for (id, _) in &busy {
        set_status(&sim, id, "IDLE").await;
    }
    let took = within(Duration::from_secs(15), "busy agents converge", || async {
        agents_in(&daemon, "deferred").await.is_empty()
            && agents_in(&daemon, "pending").await.is_empty()
    })
    .await;
    let written = writes(&sim).await;
    for (id, email) in &busy {
        assert!(written.contains_key(id), "{email}: {written:?}");
    }
    let drift = daemon.get_json("/v1/drift?limit=0").await;
    assert_eq!(drift["summary"]["drifted"], 0, "{drift} after {took:?}");
    // The re-check read the 8 agents in one call of up to 100 users (no per-user reads).
    let rechecks = daemon.get_json("/v1/jobs?limit=100").await;
    let recheck = rechecks["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .find(|j| j["trigger"] == "deferred_recheck" && j["counts"]["converged"] == 8)
        .cloned();
    assert!(recheck.is_some(), "{rechecks}");
    let stats = sim.stats().await;
    let user_reads: u64 = stats
        .requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/api/v2/users/{id}")
        .map(|r| r.count)
        .sum();
    assert_eq!(user_reads, 0, "{:?}", stats.requests);
    daemon.stop().await;
}

/// Settings gating PCI-DSS with `Gate_PCI`.
fn gate_pci(settings: &mut Settings) {
    settings.feed.certifications.insert(
        "PCI-DSS".into(),
        CertificationSettings {
            gate_skill: Some("Gate_PCI".into()),
            ..CertificationSettings::default()
        },
    );
}

/// A feed granting PCI-DSS to `email` until `expires`.
fn certification_feed(email: &str, expires: DateTime<Utc>) -> String {
    format!(
        "agent,type,name,proficiency,issued_on,expires_on\n\
         {email},certification,PCI-DSS,,2026-01-01T00:00:00Z,{}\n",
        expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}

/// A daemon gating PCI-DSS whose first agent has been granted it until `expires`: the simulator,
/// the daemon, and the agent's user id and email.
async fn granted(
    db: &PgConnectOptions,
    expires: DateTime<Utc>,
) -> (TestSim, TestDaemon, String, String) {
    let (sim, daemon) = daemon(db, gate_pci).await;
    let (user, email) = users(&sim).await.remove(0);
    let accepted = daemon
        .post_feed(&certification_feed(&email, expires), "partial")
        .await;
    let job = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    assert_eq!(holds(&sim.truth(&user).await), (true, true), "granted");
    (sim, daemon, user, email)
}

/// Waits until `user` no longer holds the gate skill nor the entry; asserts it happened by
/// `deadline`.
async fn revoked_by(sim: &TestSim, user: &str, deadline: DateTime<Utc>) {
    let limit = (deadline - Utc::now()).to_std().unwrap_or_default();
    within(limit, "the certification is revoked", || async {
        holds(&sim.truth(user).await) == (false, false)
    })
    .await;
}

#[sqlx::test(migrations = false)]
async fn a_certification_expiring_for_an_interacting_agent_loses_its_gate_on_time(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let expires = Utc::now() + chrono::Duration::seconds(6);
    let (sim, daemon, user, _) = granted(&db, expires).await;
    set_status(&sim, &user, "INTERACTING").await;

    revoked_by(&sim, &user, expires + chrono::Duration::seconds(10)).await;
    assert!(agents_in(&daemon, "deferred").await.is_empty());
    daemon.stop().await;
}

/// `HH:MM:SS` of `t` in UTC.
fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

#[sqlx::test(migrations = false)]
async fn outside_the_change_windows_a_routine_feed_waits_and_urgent_changes_do_not(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    // Open now, closed from +14 s, open again from +32 s: the routine feed is posted in the
    // closed gap, a certification expires in it.
    // Whole seconds: the windows are written to the second.
    let t0 = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    let closes = t0 + chrono::Duration::seconds(14);
    let opens = t0 + chrono::Duration::seconds(32);
    let windows = vec![
        format!(
            "{}-{}",
            clock(t0 - chrono::Duration::hours(1)),
            clock(closes)
        ),
        format!(
            "{}-{}",
            clock(opens),
            clock(opens + chrono::Duration::hours(1))
        ),
    ];
    let (sim, daemon) = daemon(&db, |s| {
        gate_pci(s);
        s.policy.change_windows = windows;
    })
    .await;
    let users = users(&sim).await;
    let (cert_user, cert_email) = &users[0];
    let expires = closes + chrono::Duration::seconds(6);
    let granted = daemon
        .post_feed(&certification_feed(cert_email, expires), "partial")
        .await;
    let granted = daemon
        .wait_started(&granted, &["succeeded", "failed"])
        .await;
    assert_eq!(granted["job"]["status"], "succeeded", "{granted}");
    assert!(
        Utc::now() < closes,
        "the grant took too long to test the window"
    );

    // Agents without certifications: a feed naming a seeded holder would revoke its entry, an
    // urgent change that goes at once (and sends the job's routine rest to wait item by item).
    let mut plain = Vec::new();
    for (id, email) in &users[1..] {
        let truth = sim.truth(id).await;
        if truth["certifications"]
            .as_array()
            .is_some_and(Vec::is_empty)
            && plain.len() < 5
        {
            plain.push((id.clone(), email.clone()));
        }
    }
    assert_eq!(
        plain.len(),
        5,
        "the seeded org has too few agents without certifications"
    );
    tokio::time::sleep((closes - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(1))
        .await;
    sim.reset_stats().await;
    let routine = plain.iter().map(|(_, e)| e);
    let accepted = daemon.post_feed(&skill_feed(routine), "partial").await;
    let waiting = daemon.wait_started(&accepted, &["waiting_window"]).await;
    let job = &waiting["job"];
    let not_before: DateTime<Utc> =
        serde_json::from_value(job["not_before"].clone()).expect("not_before");
    assert!(
        (not_before - opens).num_milliseconds().abs() < 1_000,
        "{job} opens at {opens}"
    );
    assert_eq!(job["plan"]["summary"]["agents"], 5, "{job}");
    let listed = daemon.get_json("/v1/jobs?status=waiting_window").await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert!(daemon
        .metrics_text()
        .await
        .contains("skillsync_jobs_waiting_window{org=\"default\"} 1\n"));

    // The certification lapses while the window is closed, and is revoked at once.
    revoked_by(&sim, cert_user, expires + chrono::Duration::seconds(8)).await;
    assert!(Utc::now() < opens, "revoked only after the window opened");
    let written = writes(&sim).await;
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        vec![cert_user],
        "{written:?}"
    );

    // The window opens: the job plans again and writes the five.
    let id = accepted["job_id"].as_i64().expect("job id");
    let done = daemon.wait_job(id, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    let finished: DateTime<Utc> =
        serde_json::from_value(done["job"]["finished_at"].clone()).expect("finished_at");
    assert!(finished >= opens, "{done}");
    let written = writes(&sim).await;
    for (id, email) in &plain {
        assert!(written.contains_key(id), "{email}: {written:?}");
    }
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_long_busy_agent_is_written_after_max_defer_and_audited_as_forced(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (sim, daemon) = daemon(&db, |s| s.policy.max_defer_secs = 3.0).await;
    let (user, email) = users(&sim).await.remove(0);
    set_status(&sim, &user, "INTERACTING").await;
    sim.reset_stats().await;
    let started = Instant::now();
    let accepted = daemon.post_feed(&skill_feed([&email]), "partial").await;
    daemon.wait_started(&accepted, &["succeeded"]).await;
    assert!(writes(&sim).await.is_empty(), "deferred first");

    within(Duration::from_secs(15), "the forced write", || async {
        writes(&sim).await.contains_key(&user)
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "written before max_defer_secs"
    );
    let audit = daemon
        .get_json(&format!("/v1/audit?agent={email}&limit=100"))
        .await;
    let entries = audit["entries"].as_array().expect("entries");
    let forced = entries
        .iter()
        .find(|e| e["call"] == "write_after_deferral")
        .unwrap_or_else(|| panic!("no forced write in {audit}"));
    assert_eq!(forced["actor"], "policy.max_defer_secs", "{forced}");
    assert_eq!(forced["changes"][0]["name"], SKILL, "{forced}");
    assert!(daemon
        .metrics_text()
        .await
        .contains("skillsync_deferrals_overridden_total{org=\"default\"} 1\n"));
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn with_keep_waiting_a_long_busy_agent_stays_deferred_and_flagged(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (sim, daemon) = daemon(&db, |s| {
        s.policy.max_defer_secs = 1.0;
        s.policy.after_max_defer = skillsync::planner::AfterMaxDefer::KeepWaiting;
    })
    .await;
    let (user, email) = users(&sim).await.remove(0);
    set_status(&sim, &user, "INTERACTING").await;
    sim.reset_stats().await;
    let accepted = daemon.post_feed(&skill_feed([&email]), "partial").await;
    daemon.wait_started(&accepted, &["succeeded"]).await;
    within(Duration::from_secs(15), "flagged overdue", || async {
        agents_in(&daemon, "deferred").await.iter().any(|a| {
            a["last_error"]
                .as_str()
                .is_some_and(|r| r.starts_with("overdue: "))
        })
    })
    .await;
    assert!(writes(&sim).await.is_empty(), "kept waiting");
    daemon.stop().await;
}

/// The platform calls of a daemon's start-up scan (job `job` of the database) over `agents`
/// users, 30 % of them INTERACTING, with `defer_when` as given, by path template.
async fn scan_calls(
    db: &PgConnectOptions,
    job: i64,
    agents: u32,
    defer_when: Vec<String>,
) -> Vec<(String, u64)> {
    let mut org = small_org();
    org.agents = agents;
    org.faults.busy_share = 0.3;
    let sim = spawn_sim(org).await;
    sim.reset_stats().await;
    let mut settings = daemon_settings(&sim, &database_url(db));
    settings.policy.defer_when = defer_when;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(job, &["succeeded"]).await;
    daemon.stop().await;
    let mut calls: Vec<(String, u64)> = sim
        .stats()
        .await
        .requests
        .into_iter()
        .map(|r| (format!("{} {}", r.method, r.path), r.count))
        .collect();
    calls.sort();
    calls
}

#[sqlx::test(migrations = false)]
async fn deferral_on_costs_a_10000_agent_scan_no_extra_call(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let on = scan_calls(
        &db,
        1,
        10_000,
        vec!["INTERACTING".into(), "COMMUNICATING".into()],
    )
    .await;
    let off = scan_calls(&db, 2, 10_000, Vec::new()).await;
    assert_eq!(on, off);
    let listings: u64 = on
        .iter()
        .filter(|(call, _)| call == "GET /api/v2/users")
        .map(|(_, n)| n)
        .sum();
    // 10,000 users in pages of 500.
    assert_eq!(listings, 20, "{on:?}");
}

#[sqlx::test(migrations = false)]
async fn agents_scheduled_on_queue_wait_when_the_org_changes_skills_off_shift(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (sim, daemon) = daemon(&db, |s| {
        s.policy.defer_when = vec!["OnQueueWork".into()];
        // No re-check while the calls are counted.
        s.policy.defer_recheck_secs = 3600.0;
    })
    .await;
    let users = users(&sim).await;
    let on_shift: Vec<&(String, String)> = users.iter().take(3).collect();
    for (id, _) in &on_shift {
        let resp = sim
            .http
            .post(sim.url(&format!("/sim/users/{id}/activity")))
            .json(&json!({ "category": "OnQueueWork" }))
            .send()
            .await
            .expect("sim");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    }
    // An INTERACTING agent is written: only the scheduled activity counts here.
    set_status(&sim, &users[5].0, "INTERACTING").await;
    sim.reset_stats().await;
    let accepted = daemon
        .post_feed(&skill_feed(users.iter().map(|(_, e)| e)), "partial")
        .await;
    let job = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    assert_eq!(
        job["job"]["counts"],
        json!({"converged": 17, "deferred": 3}),
        "{job}"
    );
    assert_written_all_but(&sim, &users, &on_shift).await;
    for agent in agents_in(&daemon, "deferred").await {
        assert_eq!(
            agent["last_error"], "agent is scheduled for OnQueueWork",
            "{agent}"
        );
    }
    // One adherence call for the round of 20 agents written; none to verify them (all landed).
    let adherence: u64 = sim
        .stats()
        .await
        .requests
        .iter()
        .filter(|r| r.path.contains("adherence"))
        .map(|r| r.count)
        .sum();
    assert_eq!(adherence, 1);
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_busy_agent_loses_a_dropped_certification_at_once_and_its_new_skill_waits(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let far = Utc::now() + chrono::Duration::days(30);
    let (sim, daemon, user, email) = granted(&db, far).await;
    set_status(&sim, &user, "INTERACTING").await;

    // The next feed drops the certification (urgent) and adds a skill (routine).
    let accepted = daemon.post_feed(&skill_feed([&email]), "partial").await;
    let job = daemon
        .wait_started(&accepted, &["succeeded", "failed"])
        .await;
    assert_eq!(job["job"]["counts"], json!({"deferred": 1}), "{job}");
    let truth = sim.truth(&user).await;
    assert_eq!(holds(&truth), (false, false), "revoked at once: {truth}");
    let has_skill = truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .any(|s| s["name"] == SKILL);
    assert!(!has_skill, "the routine change waits: {truth}");
    let deferred = agents_in(&daemon, "deferred").await;
    assert_eq!(deferred.len(), 1, "{deferred:?}");
    daemon.stop().await;
}
