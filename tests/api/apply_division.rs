//! `platform.division` (issue 16): skills skillsync creates land in the configured division,
//! resolved by name with one listing call; an unknown name fails those agents clearly.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{apply, desired, settings_for, small_org, spawn_sim};
use skillsync::domain::FeedScope;

const FEED: &str = "agent,type,name,proficiency\n\
                    agent00001@example.com,skill,Unit_Skill,3\n\
                    agent00002@example.com,skill,Unit_Skill,3\n\
                    agent00003@example.com,skill,Other_Unit_Skill,2\n";

#[tokio::test]
async fn created_skills_land_in_the_configured_division() {
    let sim = spawn_sim(small_org()).await;
    let unit = sim.other_division().await;
    let mut settings = settings_for(&sim);
    settings.platform.create_missing_skills = true;
    settings.platform.division = unit["name"].as_str().expect("name").to_owned();
    sim.reset_stats().await;
    let report = apply(&settings, &desired(FEED, FeedScope::Partial), true)
        .await
        .0
        .expect("ran");
    assert!(report.converged(), "{:?}", report.failures);

    let skills = sim
        .ok(Method::GET, "/api/v2/routing/skills?pageSize=500", None)
        .await;
    for name in ["Unit_Skill", "Other_Unit_Skill"] {
        let skill = skills["entities"]
            .as_array()
            .expect("skills")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} created: {skills}"));
        assert_eq!(skill["division"]["id"], unit["id"], "{skill}");
    }
    // Resolved once for both creates.
    let lookups: u64 = sim
        .stats()
        .await
        .requests
        .iter()
        .filter(|r| r.path == "/api/v2/authorization/divisions")
        .map(|r| r.count)
        .sum();
    assert_eq!(lookups, 1);
}

#[tokio::test]
async fn an_unknown_division_fails_the_agents_that_need_a_new_skill_and_names_it() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = settings_for(&sim);
    settings.platform.create_missing_skills = true;
    settings.platform.division = "No Such Unit".into();
    let report = apply(&settings, &desired(FEED, FeedScope::Partial), true)
        .await
        .0
        .expect("ran");
    assert_eq!(report.failures.len(), 3, "{:?}", report.failures);
    assert!(
        report.failures[0]
            .reason
            .contains("platform.division \"No Such Unit\": the org has no division of that name"),
        "{}",
        report.failures[0].reason
    );
    let skills = sim.skills().await;
    assert!(
        !skills.iter().any(|(_, n)| n == "Unit_Skill"),
        "nothing created"
    );
}

#[tokio::test]
async fn users_of_other_divisions_are_never_planned_when_ownership_names_divisions() {
    let sim = spawn_sim(small_org()).await;
    sim.ok(
        Method::POST,
        "/api/v2/routing/skills",
        Some(serde_json::json!({"name": "Unit_Skill"})),
    )
    .await;
    let users = sim
        .ok(Method::GET, "/api/v2/users?pageSize=100", None)
        .await;
    let users = users["entities"].as_array().expect("users").clone();
    let home = |u: &Value| u["division"]["name"] == "Home";
    assert!(
        users.iter().any(home) && !users.iter().all(home),
        "both kinds seeded"
    );
    let csv: String = std::iter::once("agent,type,name,proficiency\n".to_string())
        .chain(users.iter().map(|u| {
            format!(
                "{},skill,Unit_Skill,3\n",
                u["email"].as_str().expect("email")
            )
        }))
        .collect();
    let mut settings = settings_for(&sim);
    settings.ownership.divisions = vec!["Home".into()];
    sim.reset_stats().await;
    let report = apply(&settings, &desired(&csv, FeedScope::Partial), true)
        .await
        .0
        .expect("ran");
    // Not `converged`: the agents outside are reported unmatched.
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let written = sim.stats().await.writes_per_user;
    for user in &users {
        let id = user["id"].as_str().expect("id");
        assert_eq!(written.contains_key(id), home(user), "{user}");
    }
    let outside = users.iter().filter(|u| !home(u)).count();
    let unmatched: Vec<_> = report
        .plan
        .unmatched
        .iter()
        .filter(|u| u.reason == "the user is in a division outside ownership.divisions")
        .collect();
    assert_eq!(unmatched.len(), outside, "{:?}", report.plan.unmatched);
}
