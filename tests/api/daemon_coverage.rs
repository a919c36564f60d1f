//! The coverage guard (issue 16): a feed that would take a skill from its last holders is held
//! for approval, naming the skill and how many hold it now and after; once approved it is
//! applied, and the audit log names the approver.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};

fn holds_skill(truth: &Value, skill: &str) -> bool {
    truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .any(|s| s["name"] == skill)
}

#[sqlx::test(migrations = false)]
async fn a_feed_taking_a_skill_from_its_last_two_holders_waits_for_approval(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    sim.define_skills(&["Rare_Skill", "Other_Skill"]).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = usize::MAX;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let users = sim.user_ids().await;
    let granted = daemon
        .post_feed(
            "agent,type,name,proficiency\n\
             agent00001@example.com,skill,Rare_Skill,3\n\
             agent00002@example.com,skill,Rare_Skill,3\n",
            "partial",
        )
        .await;
    daemon.wait_started(&granted, &["succeeded"]).await;
    assert!(holds_skill(&sim.truth(&users[0]).await, "Rare_Skill"));

    let next = daemon
        .post_feed(
            "agent,type,name,proficiency\n\
             agent00001@example.com,skill,Other_Skill,3\n\
             agent00002@example.com,skill,Other_Skill,3\n",
            "partial",
        )
        .await;
    let held = daemon.wait_started(&next, &["held"]).await;
    let reasons = held["job"]["held_reasons"].to_string();
    assert!(
        reasons.contains("skill Rare_Skill would be held by 2 → 0 agents"),
        "{held}"
    );
    for user in &users[..2] {
        let truth = sim.truth(user).await;
        assert!(
            holds_skill(&truth, "Rare_Skill"),
            "nothing written: {truth}"
        );
    }

    let id = next["job_id"].as_i64().expect("job id");
    let drift = daemon.get_json("/v1/drift").await;
    assert_eq!(drift["held"][0]["job_id"], id, "{drift}");
    assert!(
        drift["held"][0]["reasons"]
            .to_string()
            .contains("skill Rare_Skill would be held by 2 → 0 agents"),
        "{drift}"
    );
    let resp = daemon
        .post_json(&format!("/v1/jobs/{id}/approve"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let done = daemon.wait_job(id, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    for user in &users[..2] {
        let truth = sim.truth(user).await;
        assert!(!holds_skill(&truth, "Rare_Skill"), "applied: {truth}");
        assert!(holds_skill(&truth, "Other_Skill"), "applied: {truth}");
    }
    let audit = daemon.get_json("/v1/audit?limit=500").await;
    let approved = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["call"] == "approve" && e["actor"] == "wfm" && e["job_id"] == id);
    assert!(approved, "{audit}");
    daemon.stop().await;
}
