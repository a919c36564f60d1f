//! Retiring a skill (issue 16): every agent loses it at the normal pace; the definition stays
//! while a skill group references it, and the retirement says so; once the reference is gone and
//! the grace period has passed, the definition is deleted; feeds naming it are refused, naming
//! the skill and its retirement. The request is audited with its actor.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};

const SKILL: &str = "Legacy_Skill";
const GROUPS: &str = "/api/v2/routing/skillgroups";

fn holds(truth: &Value, skill: &str) -> bool {
    truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .any(|s| s["name"] == skill)
}

fn condition(skill: &str) -> Value {
    json!([{
        "routingSkillConditions": [
            {"routingSkill": skill, "comparator": "GreaterThanOrEqualTo", "proficiency": 1}
        ],
        "operation": "And"
    }])
}

/// Polls `GET /v1/skills` until `SKILL`'s entry satisfies `done`; returns it.
async fn wait_skill(daemon: &crate::helpers::TestDaemon, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        let answer = daemon.get_json("/v1/skills").await;
        if let Some(skill) = answer["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .find(|s| s["name"] == SKILL)
        {
            if done(skill) {
                return skill.clone();
            }
            last = skill.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{SKILL} never got there: {last}");
}

#[sqlx::test(migrations = false)]
async fn a_retired_skill_leaves_every_agent_waits_for_its_group_then_goes(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(skillsync::sim::SimConfig {
        agents: 40,
        ..small_org()
    })
    .await;
    sim.define_skills(&[SKILL]).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.skills.check_secs = 1.0;
    // Two seconds.
    settings.skills.retire_grace_hours = 2.0 / 3600.0;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let feed: String = (1..=30)
        .map(|n| format!("agent{n:05}@example.com,skill,{SKILL},3\n"))
        .collect();
    let granted = daemon
        .post_feed(&format!("agent,type,name,proficiency\n{feed}"), "partial")
        .await;
    daemon.wait_started(&granted, &["succeeded"]).await;
    let users = sim.user_ids().await;
    let mut holders = Vec::new();
    for user in &users {
        if holds(&sim.truth(user).await, SKILL) {
            holders.push(user.clone());
        }
    }
    assert_eq!(holders.len(), 30);
    let group = sim
        .ok(
            Method::POST,
            GROUPS,
            Some(json!({ "name": "Legacy team", "skillConditions": condition(SKILL) })),
        )
        .await;

    // Retire it now, as the WFM token.
    sim.reset_stats().await;
    let resp = daemon
        .post_json(&format!("/v1/skills/{SKILL}/retire"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let answer: Value = resp.json().await.expect("json");
    assert_eq!(answer["requested_by"], "wfm", "{answer}");
    let again = daemon
        .post_json(&format!("/v1/skills/{SKILL}/retire"), json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // Every holder loses it, one removal call each (the normal delta writes), none re-created.
    let blocked = wait_skill(&daemon, |s| {
        s["retirement"]["blocked_by"]
            .as_str()
            .is_some_and(|b| b.contains("skill group"))
    })
    .await;
    assert_eq!(
        blocked["retirement"]["blocked_by"],
        "referenced by skill group Legacy team; remove it from the group's conditions",
        "{blocked}"
    );
    assert_eq!(blocked["holders"], 0, "{blocked}");
    assert_eq!(blocked["managed"], true, "named by a feed: {blocked}");
    assert_eq!(blocked["retirement"]["state"], "removing", "{blocked}");
    for user in &holders {
        assert!(!holds(&sim.truth(user).await, SKILL), "{user}");
    }
    let stats = sim.stats().await;
    let removals = stats.served("DELETE", |path| path.contains("/routingskills/"));
    assert_eq!(removals, 30, "{stats:?}");
    // While the group names it, the definition stays.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let listed = sim.skills().await;
    assert!(
        listed.iter().any(|(_, name)| name == SKILL),
        "still defined"
    );
    let still = wait_skill(&daemon, |_| true).await;
    assert!(still["retirement"]["retired_at"].is_null(), "{still}");

    // The reference removed, the grace period passes, and the definition goes.
    let id = group["id"].as_str().expect("group id");
    let other = listed
        .iter()
        .map(|(_, name)| name.as_str())
        .find(|name| *name != SKILL)
        .expect("another skill");
    sim.ok(
        Method::PATCH,
        &format!("{GROUPS}/{id}"),
        Some(json!({ "skillConditions": condition(other) })),
    )
    .await;
    let retired = wait_skill(&daemon, |s| s["retirement"]["state"] == "retired").await;
    assert_eq!(retired["retirement"]["outcome"], "deleted", "{retired}");
    let clear = chrono::DateTime::parse_from_rfc3339(
        retired["retirement"]["clear_since"]
            .as_str()
            .expect("clear_since"),
    )
    .expect("instant");
    let at = chrono::DateTime::parse_from_rfc3339(
        retired["retirement"]["retired_at"]
            .as_str()
            .expect("retired_at"),
    )
    .expect("instant");
    assert!(at - clear >= chrono::TimeDelta::seconds(2), "{retired}");
    assert!(
        !sim.skills().await.iter().any(|(_, name)| name == SKILL),
        "deleted"
    );

    // A later feed naming it is refused for that row, naming the skill and its retirement.
    let refused = daemon
        .post_csv(
            &format!(
                "agent,type,name,proficiency\nagent00001@example.com,skill,Billing,3\n\
                 agent00002@example.com,skill,{SKILL},3\n"
            ),
            "partial",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.expect("json");
    let errors = body["error"]["details"]["errors"]
        .as_array()
        .expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["location"], "line 3", "{body}");
    assert_eq!(errors[0]["field"], "name", "{body}");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(
        message.contains("Legacy_Skill") && message.contains("was retired"),
        "{message}"
    );

    let audit = daemon.get_json("/v1/audit?limit=500").await;
    let entries = audit["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["call"] == "retire_skill" && e["actor"] == "wfm"),
        "{audit}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["call"] == "retire_skill_definition"
                && e["outcome"] == "ok"
                && e["actor"] == "wfm"),
        "{audit}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_retirement_from_the_command_line_is_scheduled_and_refuses_feeds_at_once(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let (_, skill) = sim.skills().await.remove(0);
    let settings = daemon_settings(&sim, &database_url(&db));
    let daemon = spawn_daemon(settings.clone()).await;
    daemon.wait_job(1, &["succeeded"]).await;
    sim.reset_stats().await;
    let args = skillsync::cli::RetireArgs {
        name: skill.clone(),
        after: Some("2099-01-15".into()),
        cancel: false,
        actor: Some("ops:anna".into()),
    };
    let mut out = Vec::new();
    let code = skillsync::cli::run_retire(&args, &settings, &mut out)
        .await
        .expect("ran");
    let text = String::from_utf8_lossy(&out).to_string();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("retires from 2099-01-15T00:00:00Z"), "{text}");
    let mut out = Vec::new();
    let code = skillsync::cli::run_retire(&args, &settings, &mut out)
        .await
        .expect("ran");
    assert_eq!(code, 1, "already: {}", String::from_utf8_lossy(&out));

    let answer = daemon.get_json("/v1/skills").await;
    let entry = answer["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["name"] == skill.as_str())
        .expect("listed")
        .clone();
    assert_eq!(entry["retirement"]["state"], "scheduled", "{entry}");
    assert_eq!(entry["retirement"]["requested_by"], "ops:anna", "{entry}");
    // Refused from the request on, though agents keep it until the date.
    let refused = daemon
        .post_csv(
            &format!("agent,type,name,proficiency\nagent00001@example.com,skill,{skill},3\n"),
            "partial",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.expect("json");
    let message = body["error"]["details"]["errors"][0]["message"].to_string();
    assert!(
        message.contains(&skill) && message.contains("is being retired (requested by ops:anna"),
        "{body}"
    );
    // `skills sync` never creates it.
    let names = skillsync::cli::retiring_names(&settings)
        .await
        .expect("read");
    assert!(names.contains_key(&skill), "{names:?}");
    assert_eq!(
        sim.stats().await.writes,
        0,
        "nothing written before the date"
    );

    // Withdrawn: feeds may name it again, and the audit says who withdrew it.
    let resp = daemon
        .http_delete(&format!("/v1/skills/{skill}/retire"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let again = daemon
        .post_csv(
            &format!("agent,type,name,proficiency\nagent00001@example.com,skill,{skill},3\n"),
            "partial",
        )
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let resp = daemon
        .http_delete(&format!("/v1/skills/{skill}/retire"))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let audit = daemon.get_json("/v1/audit?limit=500").await;
    assert!(
        audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["call"] == "cancel_retirement" && e["actor"] == "wfm"),
        "{audit}"
    );
    daemon.stop().await;
}
