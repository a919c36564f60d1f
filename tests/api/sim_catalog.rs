//! The simulator's divisions: the listing, skills created in and moved between divisions, users'
//! divisions, soft-deleted skills staying listed, and determinism from the seed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, small_org, spawn_sim, TestSim};
use skillsync::sim::SimConfig;

/// Every division as (id, name, homeDivision).
async fn divisions(sim: &TestSim) -> Vec<(String, String, bool)> {
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/authorization/divisions?pageSize=100",
            None,
        )
        .await;
    page["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|d| {
            (
                d["id"].as_str().expect("id").to_string(),
                d["name"].as_str().expect("name").to_string(),
                d["homeDivision"].as_bool().expect("homeDivision"),
            )
        })
        .collect()
}

fn away(divisions: &[(String, String, bool)]) -> (String, String) {
    let (id, name, _) = divisions
        .iter()
        .find(|d| !d.2)
        .expect("a non-home division");
    (id.clone(), name.clone())
}

#[tokio::test]
async fn divisions_are_listed_with_one_home_and_filtered_by_name() {
    let sim = spawn_sim(small_org()).await;
    let all = divisions(&sim).await;
    assert!(all.len() >= 3, "{all:?}");
    let homes: Vec<_> = all.iter().filter(|d| d.2).collect();
    assert_eq!(homes.len(), 1);
    assert_eq!(homes[0].1, "Home");
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/authorization/divisions?pageSize=1&pageNumber=2",
            None,
        )
        .await;
    assert_eq!(page["total"], all.len());
    assert_eq!(page["entities"][0]["id"], all[1].0.as_str());
    let (_, name) = away(&all);
    let found = sim
        .ok(
            Method::GET,
            &format!(
                "/api/v2/authorization/divisions?name={}",
                name.replace(' ', "%20")
            ),
            None,
        )
        .await;
    assert_eq!(found["entities"][0]["name"], name.as_str());
    let home = sim
        .ok(Method::GET, "/api/v2/authorization/divisions/home", None)
        .await;
    assert_eq!(home["id"], homes[0].0.as_str());
}

#[tokio::test]
async fn skills_start_at_home_are_created_in_a_division_and_move() {
    let sim = spawn_sim(small_org()).await;
    let all = divisions(&sim).await;
    let home = all.iter().find(|d| d.2).expect("home").0.clone();
    let (other, other_name) = away(&all);
    let listed = sim
        .ok(Method::GET, "/api/v2/routing/skills?pageSize=5", None)
        .await;
    assert!(listed["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .all(|s| s["division"]["id"] == home.as_str()));

    let created = sim
        .ok(
            Method::POST,
            "/api/v2/routing/skills",
            Some(json!({"name": "Gate_Outsourced", "divisionId": other})),
        )
        .await;
    assert_eq!(created["division"]["id"], other.as_str());
    assert_eq!(created["division"]["name"], other_name.as_str());
    let id = created["id"].as_str().expect("id").to_string();

    let moved = sim
        .ok(
            Method::PATCH,
            &format!("/api/v2/routing/skills/{id}"),
            Some(json!({"divisionId": home})),
        )
        .await;
    assert_eq!(moved["division"]["id"], home.as_str());
    let read = sim
        .ok(Method::GET, &format!("/api/v2/routing/skills/{id}"), None)
        .await;
    assert_eq!(read["division"]["id"], home.as_str());
    assert_ne!(read["version"], created["version"]);

    let unknown = "00000000-0000-0000-0000-000000000001";
    let bad = sim
        .call(
            Method::POST,
            "/api/v2/routing/skills",
            Some(json!({"name": "Gate_Nowhere", "divisionId": unknown})),
        )
        .await;
    let body = assert_error(bad, StatusCode::BAD_REQUEST, "invalid.value").await;
    assert_eq!(body["details"][0]["fieldName"], "divisionId");
    let bad_move = sim
        .call(
            Method::PATCH,
            &format!("/api/v2/routing/skills/{id}"),
            Some(json!({"divisionId": unknown})),
        )
        .await;
    assert_error(bad_move, StatusCode::BAD_REQUEST, "invalid.value").await;
    let missing = sim
        .call(
            Method::PATCH,
            &format!("/api/v2/routing/skills/{unknown}"),
            Some(json!({"divisionId": home})),
        )
        .await;
    assert_error(missing, StatusCode::NOT_FOUND, "not.found").await;
}

#[tokio::test]
async fn users_carry_their_division_and_sim_moves_them() {
    let sim = spawn_sim(SimConfig {
        agents: 60,
        ..small_org()
    })
    .await;
    let all = divisions(&sim).await;
    let home = all.iter().find(|d| d.2).expect("home").0.clone();
    let page = sim
        .ok(Method::GET, "/api/v2/users?pageSize=100", None)
        .await;
    let users = page["entities"].as_array().expect("entities");
    let at_home = users
        .iter()
        .filter(|u| u["division"]["id"] == home.as_str())
        .count();
    assert!(at_home > users.len() / 2, "most users are at home");
    assert!(at_home < users.len(), "some users are elsewhere");
    for u in users {
        let known = all.iter().any(|d| u["division"]["id"] == d.0.as_str());
        assert!(known && u["division"]["name"].is_string(), "{u}");
    }

    let user = users
        .iter()
        .find(|u| u["division"]["id"] == home.as_str())
        .and_then(|u| u["id"].as_str())
        .expect("a home user")
        .to_string();
    let (other, other_name) = away(&all);
    let resp = sim
        .http
        .post(sim.url(&format!("/sim/users/{user}/division")))
        .json(&json!({"divisionId": other}))
        .send()
        .await
        .expect("move");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let one: Value = sim
        .ok(Method::GET, &format!("/api/v2/users/{user}"), None)
        .await;
    assert_eq!(one["division"]["id"], other.as_str());
    assert_eq!(one["division"]["name"], other_name.as_str());
    let bad = sim
        .http
        .post(sim.url(&format!("/sim/users/{user}/division")))
        .json(&json!({"divisionId": "nope"}))
        .send()
        .await
        .expect("move");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn soft_deleted_skills_stay_listed_with_state_deleted() {
    let sim = spawn_sim(small_org()).await;
    let (id, name) = sim.skills().await.remove(0);
    let resp = sim
        .call(
            Method::DELETE,
            &format!("/api/v2/routing/skills/{id}"),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let page = sim
        .ok(Method::GET, "/api/v2/routing/skills?pageSize=500", None)
        .await;
    let entry = page["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .expect("the deleted skill is still listed");
    assert_eq!(entry["state"], "deleted");
    assert_eq!(entry["name"], name.as_str());
    assert!(entry["division"]["id"].is_string());
}

async fn catalog_dump(seed: u64) -> (Value, Value, Value) {
    let sim = spawn_sim(SimConfig {
        seed,
        ..small_org()
    })
    .await;
    let divisions = sim
        .ok(Method::GET, "/api/v2/authorization/divisions", None)
        .await;
    let groups = sim
        .ok(
            Method::GET,
            "/api/v2/routing/skillgroups?pageSize=100",
            None,
        )
        .await;
    let users = sim
        .ok(Method::GET, "/api/v2/users?pageSize=500", None)
        .await;
    (divisions, groups, users)
}

#[tokio::test]
async fn the_same_seed_gives_the_same_divisions_groups_and_user_divisions() {
    let a = catalog_dump(9).await;
    assert_eq!(a, catalog_dump(9).await);
    assert_ne!(a.0, catalog_dump(10).await.0);
}
