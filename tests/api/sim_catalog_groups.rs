//! The simulator's skill groups: members computed from current skills, references removed by
//! changing conditions or deleting the group, what a skill deletion leaves behind, validation and
//! cursor paging.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, small_org, spawn_sim, TestSim};
use skillsync::sim::SimConfig;

fn at_least(skill: &str, proficiency: i64) -> Value {
    json!([{
        "routingSkillConditions": [{
            "routingSkill": skill, "comparator": "GreaterThanOrEqualTo",
            "proficiency": proficiency, "childConditions": []
        }],
        "languageSkillConditions": [],
        "operation": "And"
    }])
}

/// Users holding `skill` (by name) at `min` or more, from the simulator's truth.
async fn holders(sim: &TestSim, skill: &str, min: f64) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for id in sim.user_ids().await {
        let truth = sim.truth(&id).await;
        let holds = truth["skills"].as_array().expect("skills").iter().any(|s| {
            s["name"] == skill && s["state"] == "active" && s["proficiency"].as_f64() >= Some(min)
        });
        if holds {
            out.insert(id);
        }
    }
    out
}

/// Every member id, following `nextUri` from small pages.
async fn members(sim: &TestSim, group: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut path = format!("/api/v2/routing/skillgroups/{group}/members?pageSize=3");
    loop {
        let page = sim.ok(Method::GET, &path, None).await;
        for m in page["entities"].as_array().expect("entities") {
            out.insert(m["id"].as_str().expect("id").to_string());
        }
        match page["nextUri"].as_str() {
            Some(next) => path = next.to_string(),
            None => return out,
        }
    }
}

async fn create_group(sim: &TestSim, name: &str, conditions: Value) -> String {
    let created = sim
        .ok(
            Method::POST,
            "/api/v2/routing/skillgroups",
            Some(json!({"name": name, "skillConditions": conditions})),
        )
        .await;
    assert_eq!(created["skillConditions"], conditions);
    created["id"].as_str().expect("id").to_string()
}

/// A seeded skill that several users hold, and its name.
async fn common_skill(sim: &TestSim) -> (String, String) {
    let mut best = (0, String::new(), String::new());
    for (id, name) in sim.skills().await.into_iter().take(20) {
        let n = holders(sim, &name, 0.0).await.len();
        if n > best.0 {
            best = (n, id, name);
        }
    }
    assert!(best.0 >= 2, "no skill is held by two users");
    (best.1, best.2)
}

#[tokio::test]
async fn members_are_the_holders_at_or_above_the_proficiency_and_follow_skill_changes() {
    let sim = spawn_sim(SimConfig {
        agents: 40,
        ..small_org()
    })
    .await;
    let (skill_id, skill) = common_skill(&sim).await;
    let group = create_group(&sim, "Coverage", at_least(&skill, 2)).await;
    let expected = holders(&sim, &skill, 2.0).await;
    assert_eq!(members(&sim, &group).await, expected);
    let read = sim
        .ok(
            Method::GET,
            &format!("/api/v2/routing/skillgroups/{group}"),
            None,
        )
        .await;
    assert_eq!(read["memberCount"], expected.len());
    assert_eq!(read["division"]["name"], "Home");

    // A user gains the skill at 5: a member now.
    let outsider = sim
        .user_ids()
        .await
        .into_iter()
        .find(|u| !expected.contains(u))
        .expect("an outsider");
    sim.ok(
        Method::PATCH,
        &format!("/api/v2/users/{outsider}/routingskills/bulk"),
        Some(json!([{"id": skill_id, "proficiency": 5}])),
    )
    .await;
    assert!(members(&sim, &group).await.contains(&outsider));

    // The user drops below the threshold, then loses the skill: out either way.
    sim.ok(
        Method::PATCH,
        &format!("/api/v2/users/{outsider}/routingskills/bulk"),
        Some(json!([{"id": skill_id, "proficiency": 1}])),
    )
    .await;
    assert!(!members(&sim, &group).await.contains(&outsider));
    let member = expected.iter().next().expect("a member").clone();
    let resp = sim
        .call(
            Method::DELETE,
            &format!("/api/v2/users/{member}/routingskills/{skill_id}"),
            None,
        )
        .await;
    assert!(resp.status().is_success());
    let now = members(&sim, &group).await;
    assert!(!now.contains(&member));
    assert_eq!(now, holders(&sim, &skill, 2.0).await);
}

#[tokio::test]
async fn changing_the_conditions_or_deleting_the_group_removes_the_reference() {
    let sim = spawn_sim(small_org()).await;
    let skills = sim.skills().await;
    let (first, second) = (&skills[0].1, &skills[1].1);
    let group = create_group(&sim, "Retiring", at_least(first, 1)).await;
    let path = format!("/api/v2/routing/skillgroups/{group}");

    let patched = sim
        .ok(
            Method::PATCH,
            &path,
            Some(json!({"skillConditions": at_least(second, 3)})),
        )
        .await;
    assert_eq!(patched["skillConditions"], at_least(second, 3));
    assert_eq!(patched["name"], "Retiring", "fields not sent stay");
    let read = sim.ok(Method::GET, &path, None).await;
    assert!(!read["skillConditions"].to_string().contains(first.as_str()));
    assert_eq!(
        members(&sim, &group).await,
        holders(&sim, second, 3.0).await
    );

    let resp = sim.call(Method::DELETE, &path, None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_error(sim.get(&path).await, StatusCode::NOT_FOUND, "not.found").await;
    let listing = sim
        .ok(
            Method::GET,
            "/api/v2/routing/skillgroups?pageSize=100",
            None,
        )
        .await;
    assert!(!listing.to_string().contains(&group));
}

#[tokio::test]
async fn deleting_a_referenced_skill_leaves_the_condition_and_empties_it() {
    let sim = spawn_sim(SimConfig {
        agents: 40,
        ..small_org()
    })
    .await;
    let (skill_id, skill) = common_skill(&sim).await;
    let group = create_group(&sim, "Orphaned", at_least(&skill, 0)).await;
    assert!(!members(&sim, &group).await.is_empty());
    let resp = sim
        .call(
            Method::DELETE,
            &format!("/api/v2/routing/skills/{skill_id}"),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let read = sim
        .ok(
            Method::GET,
            &format!("/api/v2/routing/skillgroups/{group}"),
            None,
        )
        .await;
    assert_eq!(read["skillConditions"], at_least(&skill, 0));
    assert!(members(&sim, &group).await.is_empty());
}

#[tokio::test]
async fn invalid_groups_get_the_platform_error_shape() {
    let sim = spawn_sim(small_org()).await;
    let skill = sim.skills().await.remove(0).1;
    let post = |body: Value| sim.call(Method::POST, "/api/v2/routing/skillgroups", Some(body));
    let unknown = post(json!({"name": "X", "skillConditions": at_least("NoSuchSkill", 1)})).await;
    assert_error(unknown, StatusCode::BAD_REQUEST, "invalid.value").await;
    let range = post(json!({"name": "X", "skillConditions": at_least(&skill, 6)})).await;
    assert_error(range, StatusCode::BAD_REQUEST, "invalid.value").await;
    let mut bad_cmp = at_least(&skill, 1);
    bad_cmp[0]["routingSkillConditions"][0]["comparator"] = json!("Roughly");
    let cmp = post(json!({"name": "X", "skillConditions": bad_cmp})).await;
    assert_error(cmp, StatusCode::BAD_REQUEST, "bad.request").await;
    let no_div = post(json!({"name": "X", "skillConditions": at_least(&skill, 1),
                             "division": {"id": "00000000-0000-0000-0000-000000000009"}}))
    .await;
    assert_error(no_div, StatusCode::BAD_REQUEST, "invalid.value").await;
    create_group(&sim, "Twice", at_least(&skill, 1)).await;
    let dup = post(json!({"name": "Twice", "skillConditions": at_least(&skill, 1)})).await;
    assert_error(dup, StatusCode::CONFLICT, "conflict").await;
}

#[tokio::test]
async fn the_listing_is_cursor_paged_and_filters_by_name_prefix() {
    let sim = spawn_sim(small_org()).await;
    let skill = sim.skills().await.remove(0).1;
    for name in ["Zeta one", "Zeta two", "Zeta three"] {
        create_group(&sim, name, at_least(&skill, 1)).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v2/routing/skillgroups?pageSize=2&name=zeta".to_string();
    loop {
        let page = sim.ok(Method::GET, &path, None).await;
        for g in page["entities"].as_array().expect("entities") {
            assert!(
                g.get("skillConditions").is_none(),
                "listing has definitions only"
            );
            assert!(g["memberCount"].is_number() && g["division"]["id"].is_string());
            seen.push(g["name"].as_str().expect("name").to_string());
        }
        match page["nextUri"].as_str() {
            Some(next) => path = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, ["Zeta one", "Zeta two", "Zeta three"]);
    let seeded = sim
        .ok(
            Method::GET,
            "/api/v2/routing/skillgroups?pageSize=100",
            None,
        )
        .await;
    assert_eq!(seeded["entities"].as_array().map(Vec::len), Some(6));
}
