use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, small_org, spawn_sim};

#[tokio::test]
async fn paging_walks_every_user_exactly_once() {
    let sim = spawn_sim(small_org()).await;
    let mut seen = HashSet::new();
    let mut next = Some("/api/v2/users?pageSize=7".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let page = sim.ok(Method::GET, &path, None).await;
        pages += 1;
        assert_eq!(page["total"], 20);
        assert_eq!(page["pageCount"], 3);
        assert_eq!(page["pageSize"], 7);
        for user in page["entities"].as_array().expect("entities") {
            assert!(seen.insert(user["id"].as_str().expect("id").to_string()));
        }
        next = page["nextUri"].as_str().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 20);
    let last = sim
        .ok(Method::GET, "/api/v2/users?pageSize=7&pageNumber=3", None)
        .await;
    assert_eq!(last["entities"].as_array().map(Vec::len), Some(6));
    assert!(last.get("nextUri").is_none());
    assert_eq!(last["previousUri"], "/api/v2/users?pageSize=7&pageNumber=2");
}

#[tokio::test]
async fn default_page_is_25_and_an_oversized_page_is_rejected() {
    let sim = spawn_sim(small_org()).await;
    let page = sim.ok(Method::GET, "/api/v2/users", None).await;
    assert_eq!(page["pageSize"], 25);
    let body = assert_error(
        sim.get("/api/v2/users?pageSize=501").await,
        StatusCode::BAD_REQUEST,
        "invalid.value",
    )
    .await;
    assert_eq!(body["details"][0]["fieldName"], "pageSize");
    assert_error(
        sim.get("/api/v2/users?pageNumber=0").await,
        StatusCode::BAD_REQUEST,
        "invalid.value",
    )
    .await;
}

#[tokio::test]
async fn expansions_appear_only_when_asked_for() {
    let sim = spawn_sim(small_org()).await;
    let plain = sim.ok(Method::GET, "/api/v2/users?pageSize=1", None).await;
    let user = &plain["entities"][0];
    for field in ["skills", "languages", "certifications", "employerInfo"] {
        assert!(user.get(field).is_none(), "{field} present without expand");
    }
    assert_eq!(user["email"], "agent00001@example.com");
    assert!(user["version"].is_u64());

    let expanded = sim
        .ok(
            Method::GET,
            "/api/v2/users?pageSize=1&expand=skills,languages,certifications,employerInfo",
            None,
        )
        .await;
    let user = &expanded["entities"][0];
    assert_eq!(user["employerInfo"]["employeeId"], "E00001");
    assert!(
        user["skills"].is_array()
            && user["languages"].is_array()
            && user["certifications"].is_array()
    );
    if let Some(skill) = user["skills"].as_array().and_then(|s| s.first()) {
        let id = skill["id"].as_str().expect("id");
        assert_eq!(skill["skillUri"], format!("/api/v2/routing/skills/{id}"));
        assert!(skill["proficiency"].is_f64());
        assert_eq!(skill["state"], "active");
    }
}

#[tokio::test]
async fn the_id_filter_takes_a_comma_joined_list_and_state_filters() {
    let sim = spawn_sim(small_org()).await;
    let ids = sim.user_ids().await;
    let wanted = format!("{},{}", ids[3], ids[1]);
    let page = sim
        .ok(Method::GET, &format!("/api/v2/users?id={wanted}"), None)
        .await;
    let got: Vec<&str> = page["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(got, vec![ids[1].as_str(), ids[3].as_str()]);
    assert_eq!(page["total"], 2);

    let inactive = sim
        .ok(Method::GET, "/api/v2/users?state=inactive", None)
        .await;
    assert_eq!(inactive["total"], 0);
    let any = sim.ok(Method::GET, "/api/v2/users?state=any", None).await;
    assert_eq!(any["total"], 20);
    assert_error(
        sim.get("/api/v2/users?state=sleeping").await,
        StatusCode::BAD_REQUEST,
        "invalid.value",
    )
    .await;
    let desc = sim
        .ok(Method::GET, "/api/v2/users?sortOrder=DESC&pageSize=1", None)
        .await;
    assert_eq!(desc["entities"][0]["email"], "agent00020@example.com");
}

#[tokio::test]
async fn one_user_by_id_and_an_unknown_user_is_404_not_found() {
    let sim = spawn_sim(small_org()).await;
    let ids = sim.user_ids().await;
    let user = sim
        .ok(
            Method::GET,
            &format!("/api/v2/users/{}?expand=skills", ids[0]),
            None,
        )
        .await;
    assert_eq!(user["id"], ids[0].as_str());
    assert!(user["skills"].is_array());
    assert_error(
        sim.get("/api/v2/users/00000000-0000-4000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
        "not.found",
    )
    .await;
    assert_error(
        sim.get("/api/v2/users/garbage").await,
        StatusCode::NOT_FOUND,
        "not.found",
    )
    .await;
}

#[tokio::test]
async fn versioned_patch_writes_certifications_and_bumps_the_version() {
    let sim = spawn_sim(small_org()).await;
    let id = &sim.user_ids().await[0];
    let version = sim.truth(id).await["version"].as_u64().expect("version");
    let updated = sim
        .ok(
            Method::PATCH,
            &format!("/api/v2/users/{id}"),
            Some(json!({"version": version, "certifications": ["PCI-DSS", "HIPAA"]})),
        )
        .await;
    assert_eq!(updated["version"], version + 1);
    assert_eq!(updated["certifications"], json!(["PCI-DSS", "HIPAA"]));
    assert_eq!(
        sim.truth(id).await["certifications"],
        json!(["PCI-DSS", "HIPAA"])
    );
}

#[tokio::test]
async fn a_stale_or_missing_version_gets_409_with_the_real_message_and_changes_nothing() {
    let sim = spawn_sim(small_org()).await;
    let id = &sim.user_ids().await[0];
    let before = sim.truth(id).await;
    let version = before["version"].as_u64().expect("version");
    for body in [
        json!({"version": version - 1, "certifications": ["X"]}),
        json!({"certifications": ["X"]}),
    ] {
        let resp = sim
            .call(Method::PATCH, &format!("/api/v2/users/{id}"), Some(body))
            .await;
        let err: Value = assert_error(resp, StatusCode::CONFLICT, "conflict").await;
        assert_eq!(
            err["message"],
            "The version number of the modified resource must match the version number in the database."
        );
    }
    assert_eq!(sim.truth(id).await, before);
}

#[tokio::test]
async fn every_response_carries_a_correlation_id_and_echoes_the_callers() {
    let sim = spawn_sim(small_org()).await;
    let resp = sim.get("/api/v2/users").await;
    assert!(resp.headers().get("inin-correlation-id").is_some());
    let resp = sim
        .http
        .get(sim.url("/api/v2/users"))
        .bearer_auth(&sim.token)
        .header("ININ-Correlation-Id", "my-trace-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.headers()["inin-correlation-id"], "my-trace-123");
}
