use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_error, small_org, spawn_sim};

#[tokio::test]
async fn languages_have_patch_bulk_but_no_put_bulk() {
    let sim = spawn_sim(small_org()).await;
    let user = sim.user_ids().await.remove(0);
    let langs = sim.languages().await;
    let body =
        json!([{"id": langs[0].0, "proficiency": 3.6}, {"id": langs[1].0, "proficiency": 1.2}]);
    let listing = sim
        .ok(
            Method::PATCH,
            &format!("/api/v2/users/{user}/routinglanguages/bulk"),
            Some(body.clone()),
        )
        .await;
    let entity = listing["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|l| l["id"] == langs[0].0.as_str())
        .cloned();
    let entity = entity.expect("language assigned");
    assert_eq!(
        entity["proficiency"], 4.0,
        "language proficiency is rounded to a whole number"
    );
    assert_eq!(
        entity["languageUri"],
        format!("/api/v2/routing/languages/{}", langs[0].0)
    );

    let resp = sim
        .call(
            Method::PUT,
            &format!("/api/v2/users/{user}/routinglanguages/bulk"),
            Some(body),
        )
        .await;
    assert_error(resp, StatusCode::METHOD_NOT_ALLOWED, "method.not.allowed").await;
}

#[tokio::test]
async fn a_single_language_is_updated_with_patch_and_removed_with_delete() {
    let sim = spawn_sim(small_org()).await;
    let user = sim.user_ids().await.remove(0);
    let lang = sim.languages().await.remove(5).0;
    let path = format!("/api/v2/users/{user}/routinglanguages/{lang}");
    let updated = sim
        .ok(Method::PATCH, &path, Some(json!({"proficiency": 2})))
        .await;
    assert_eq!(updated["proficiency"], 2.0);
    let put = sim
        .call(Method::PUT, &path, Some(json!({"proficiency": 2})))
        .await;
    assert_error(put, StatusCode::METHOD_NOT_ALLOWED, "method.not.allowed").await;
    sim.ok(Method::DELETE, &path, None).await;
    let listing = sim
        .ok(
            Method::GET,
            &format!("/api/v2/users/{user}/routinglanguages"),
            None,
        )
        .await;
    assert!(listing["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .all(|l| l["id"] != lang.as_str()));
}
