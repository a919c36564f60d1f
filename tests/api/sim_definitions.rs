use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_error, small_org, spawn_sim};

#[tokio::test]
async fn the_name_filter_is_a_prefix_match_not_an_exact_one() {
    let sim = spawn_sim(small_org()).await;
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/routing/skills?name=paymentprocessing&pageSize=100",
            None,
        )
        .await;
    let names: Vec<&str> = page["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.len() > 1, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("PaymentProcessing")));
    assert!(names.contains(&"PaymentProcessing_L1") && names.contains(&"PaymentProcessing_L2"));
}

#[tokio::test]
async fn definitions_are_paged() {
    let sim = spawn_sim(small_org()).await;
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/routing/skills?pageSize=25&pageNumber=3",
            None,
        )
        .await;
    assert_eq!(page["total"], 60);
    assert_eq!(page["pageCount"], 3);
    assert_eq!(page["entities"].as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn creating_a_skill_and_a_duplicate_name_conflicts() {
    let sim = spawn_sim(small_org()).await;
    let created = sim
        .ok(
            Method::POST,
            "/api/v2/routing/skills",
            Some(json!({"name": "Gate_PCI"})),
        )
        .await;
    assert_eq!(created["name"], "Gate_PCI");
    assert_eq!(created["state"], "active");
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        sim.ok(Method::GET, &format!("/api/v2/routing/skills/{id}"), None)
            .await["name"],
        "Gate_PCI"
    );
    let dup = sim
        .call(
            Method::POST,
            "/api/v2/routing/skills",
            Some(json!({"name": "Gate_PCI"})),
        )
        .await;
    assert_error(dup, StatusCode::CONFLICT, "conflict").await;
    let empty = sim
        .call(
            Method::POST,
            "/api/v2/routing/skills",
            Some(json!({"name": " "})),
        )
        .await;
    assert_error(empty, StatusCode::BAD_REQUEST, "invalid.value").await;
}

#[tokio::test]
async fn deleting_a_skill_is_soft_and_unassigns_it() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    let skill = held[0].clone();
    sim.ok(
        Method::DELETE,
        &format!("/api/v2/routing/skills/{skill}"),
        None,
    )
    .await;
    let got = sim
        .ok(
            Method::GET,
            &format!("/api/v2/routing/skills/{skill}"),
            None,
        )
        .await;
    assert_eq!(got["state"], "deleted");
    let listed = sim
        .ok(Method::GET, "/api/v2/routing/skills?pageSize=500", None)
        .await;
    assert!(listed["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .any(|s| s["id"] == skill.as_str() && s["state"] == "deleted"));
    assert!(!crate::helpers::skill_ids(&sim.truth(&user).await).contains(&skill));
    let assign = sim
        .call(
            Method::PATCH,
            &format!("/api/v2/users/{user}/routingskills/bulk"),
            Some(json!([{"id": skill, "proficiency": 1}])),
        )
        .await;
    assert_error(assign, StatusCode::BAD_REQUEST, "invalid.value").await;
    assert_error(
        sim.get("/api/v2/routing/skills/00000000-0000-4000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
        "not.found",
    )
    .await;
}

#[tokio::test]
async fn languages_are_listed_created_and_soft_deleted() {
    let sim = spawn_sim(small_org()).await;
    let names: Vec<String> = sim.languages().await.into_iter().map(|(_, n)| n).collect();
    assert_eq!(names[..3], ["English", "German", "French"]);
    let created = sim
        .ok(
            Method::POST,
            "/api/v2/routing/languages",
            Some(json!({"name": "Klingon"})),
        )
        .await;
    let id = created["id"].as_str().expect("id");
    sim.ok(
        Method::DELETE,
        &format!("/api/v2/routing/languages/{id}"),
        None,
    )
    .await;
    assert_eq!(
        sim.ok(
            Method::GET,
            &format!("/api/v2/routing/languages/{id}"),
            None
        )
        .await["state"],
        "deleted"
    );
}
