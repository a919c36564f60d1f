use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, skill_ids, small_org, spawn_sim, TestSim};

/// Skill ids the user does not hold yet.
async fn unheld_skills(sim: &TestSim, held: &[String], n: usize) -> Vec<String> {
    sim.skills()
        .await
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| !held.contains(id))
        .take(n)
        .collect()
}

#[tokio::test]
async fn patch_bulk_adds_and_updates_and_keeps_every_other_skill() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(3, 20).await;
    let new = unheld_skills(&sim, &held, 2).await;
    let body = json!([
        {"id": new[0], "proficiency": 4.5},
        {"id": new[1], "proficiency": 1},
        {"id": held[0], "proficiency": 0.5},
    ]);
    let listing = sim
        .ok(
            Method::PATCH,
            &format!("/api/v2/users/{user}/routingskills/bulk"),
            Some(body),
        )
        .await;
    assert_eq!(
        listing["entities"].as_array().map(Vec::len),
        Some(held.len() + 2)
    );

    let truth = sim.truth(&user).await;
    let now: HashSet<String> = skill_ids(&truth).into_iter().collect();
    assert!(
        held.iter().all(|h| now.contains(h)),
        "PATCH bulk removed a skill"
    );
    assert!(new.iter().all(|n| now.contains(n)));
    let updated = truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["id"] == held[0].as_str())
        .cloned();
    assert_eq!(updated.map(|s| s["proficiency"].clone()), Some(json!(0.5)));
}

#[tokio::test]
async fn put_bulk_replaces_everything_and_wipes_what_was_not_sent() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(3, 20).await;
    let body = json!([{"id": held[0], "proficiency": 2}]);
    sim.ok(
        Method::PUT,
        &format!("/api/v2/users/{user}/routingskills/bulk"),
        Some(body),
    )
    .await;
    assert_eq!(skill_ids(&sim.truth(&user).await), vec![held[0].clone()]);
}

#[tokio::test]
async fn a_bulk_body_over_50_items_is_rejected_with_a_clear_message() {
    let sim = spawn_sim(small_org()).await;
    let (user, _) = sim.user_with_skill_count(0, 0).await;
    let all: Vec<Value> = sim
        .skills()
        .await
        .into_iter()
        .take(51)
        .map(|(id, _)| json!({"id": id, "proficiency": 1}))
        .collect();
    let resp = sim
        .call(
            Method::PATCH,
            &format!("/api/v2/users/{user}/routingskills/bulk"),
            Some(Value::Array(all)),
        )
        .await;
    let body = assert_error(resp, StatusCode::BAD_REQUEST, "bad.request").await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 50")),
        "{body}"
    );
    assert!(skill_ids(&sim.truth(&user).await).is_empty());
}

#[tokio::test]
async fn a_change_that_would_give_a_user_51_skills_is_rejected_and_changes_nothing() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(45, 49).await;
    let room = 50 - held.len();
    let extra: Vec<Value> = unheld_skills(&sim, &held, room + 1)
        .await
        .into_iter()
        .map(|id| json!({"id": id, "proficiency": 3}))
        .collect();
    let resp = sim
        .call(
            Method::PATCH,
            &format!("/api/v2/users/{user}/routingskills/bulk"),
            Some(Value::Array(extra)),
        )
        .await;
    let body = assert_error(resp, StatusCode::BAD_REQUEST, "bad.request").await;
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("51")),
        "{body}"
    );
    assert_eq!(skill_ids(&sim.truth(&user).await), held);
}

#[tokio::test]
async fn invalid_bodies_get_the_platforms_validation_errors() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    let path = format!("/api/v2/users/{user}/routingskills/bulk");
    let unknown = json!([{"id": "00000000-0000-4000-8000-000000000000", "proficiency": 3}]);
    let body = assert_error(
        sim.call(Method::PATCH, &path, Some(unknown)).await,
        StatusCode::BAD_REQUEST,
        "invalid.value",
    )
    .await;
    assert_eq!(
        body["details"][0]["entityId"],
        "00000000-0000-4000-8000-000000000000"
    );
    for proficiency in [json!(5.5), json!(-1), json!(4.2)] {
        let body = json!([{"id": held[0], "proficiency": proficiency}]);
        let err = assert_error(
            sim.call(Method::PATCH, &path, Some(body)).await,
            StatusCode::BAD_REQUEST,
            "invalid.value",
        )
        .await;
        assert_eq!(err["details"][0]["fieldName"], "proficiency");
    }
    // The shape people send by mistake: an object instead of an array.
    let wrong_shape = json!({"skills": [{"id": held[0], "proficiency": 3}]});
    assert_error(
        sim.call(Method::PATCH, &path, Some(wrong_shape)).await,
        StatusCode::BAD_REQUEST,
        "bad.request",
    )
    .await;
    let not_json = sim
        .http
        .patch(sim.url(&path))
        .bearer_auth(&sim.token)
        .header("content-type", "text/plain")
        .body("id=1")
        .send()
        .await
        .expect("sent");
    assert_error(
        not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported.media.type",
    )
    .await;
    let unknown_user = sim
        .call(
            Method::PATCH,
            "/api/v2/users/00000000-0000-4000-8000-000000000000/routingskills/bulk",
            Some(json!([])),
        )
        .await;
    assert_error(unknown_user, StatusCode::NOT_FOUND, "not.found").await;
}

#[tokio::test]
async fn single_skill_calls_add_update_and_remove_one_skill() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(2, 20).await;
    let new = unheld_skills(&sim, &held, 1).await.remove(0);
    let added = sim
        .ok(
            Method::POST,
            &format!("/api/v2/users/{user}/routingskills"),
            Some(json!({"id": new, "proficiency": 2})),
        )
        .await;
    assert_eq!(added["id"], new.as_str());
    assert_eq!(
        added["selfUri"],
        format!("/api/v2/users/{user}/routingskills/{new}")
    );

    let updated = sim
        .ok(
            Method::PUT,
            &format!("/api/v2/users/{user}/routingskills/{new}"),
            Some(json!({"proficiency": 3.5, "state": "inactive"})),
        )
        .await;
    assert_eq!(updated["proficiency"], 3.5);
    assert_eq!(updated["state"], "inactive");

    sim.ok(
        Method::DELETE,
        &format!("/api/v2/users/{user}/routingskills/{}", held[0]),
        None,
    )
    .await;
    let now = skill_ids(&sim.truth(&user).await);
    assert!(!now.contains(&held[0]));
    assert!(now.contains(&new));
    assert_eq!(now.len(), held.len());
}

#[tokio::test]
async fn a_users_skills_are_paged() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(6, 50).await;
    let first = sim
        .ok(
            Method::GET,
            &format!("/api/v2/users/{user}/routingskills?pageSize=5"),
            None,
        )
        .await;
    assert_eq!(first["total"], held.len());
    assert_eq!(first["entities"].as_array().map(Vec::len), Some(5));
    assert!(first["nextUri"].is_string());
    let mut collected = Vec::new();
    for n in 1..=first["pageCount"].as_u64().expect("pageCount") {
        let page = sim
            .ok(
                Method::GET,
                &format!("/api/v2/users/{user}/routingskills?pageSize=5&pageNumber={n}"),
                None,
            )
            .await;
        collected.extend(
            page["entities"]
                .as_array()
                .expect("entities")
                .iter()
                .map(|s| s["id"].as_str().expect("id").to_string()),
        );
    }
    assert_eq!(collected, held);
}
