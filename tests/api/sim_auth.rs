use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_error, fetch_token, small_org, spawn_sim};
use skillsync::sim::{Faults, SimConfig};

#[tokio::test]
async fn client_credentials_give_a_bearer_token_with_its_lifetime() {
    let sim = spawn_sim(small_org()).await;
    let body: Value = fetch_token(
        &sim.http,
        &sim.base,
        "skillsync-sim",
        "skillsync-sim-secret",
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
}

#[tokio::test]
async fn wrong_credentials_get_the_oauth_error_shape() {
    let sim = spawn_sim(small_org()).await;
    for (id, secret) in [
        ("skillsync-sim", "wrong"),
        ("someone-else", "skillsync-sim-secret"),
    ] {
        let resp = fetch_token(&sim.http, &sim.base, id, secret).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "invalid_client");
        assert!(body["description"].is_string() && body["error_description"].is_string());
    }
}

#[tokio::test]
async fn a_grant_other_than_client_credentials_is_refused() {
    let sim = spawn_sim(small_org()).await;
    let resp = sim
        .http
        .post(sim.url("/oauth/token"))
        .basic_auth("skillsync-sim", Some("skillsync-sim-secret"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn api_calls_without_a_token_or_with_an_unknown_one_get_401() {
    let sim = spawn_sim(small_org()).await;
    let resp = sim
        .http
        .get(sim.url("/api/v2/users"))
        .send()
        .await
        .expect("sent");
    assert_error(resp, StatusCode::UNAUTHORIZED, "authentication.required").await;
    let resp = sim
        .http
        .get(sim.url("/api/v2/users"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("sent");
    assert_error(resp, StatusCode::UNAUTHORIZED, "bad.credentials").await;
}

#[tokio::test]
async fn a_token_past_its_ttl_gets_401_credentials_expired() {
    let sim = spawn_sim(SimConfig {
        token_ttl: 1,
        ..small_org()
    })
    .await;
    assert_eq!(sim.get("/api/v2/users").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_error(
        sim.get("/api/v2/users").await,
        StatusCode::UNAUTHORIZED,
        "credentials.expired",
    )
    .await;
}

#[tokio::test]
async fn minting_too_many_tokens_is_refused_by_the_login_endpoint() {
    let sim = spawn_sim(SimConfig {
        faults: Faults {
            token_mint_limit: 3,
            ..Faults::none()
        },
        ..small_org()
    })
    .await;
    // spawn_sim minted one already.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            fetch_token(
                &sim.http,
                &sim.base,
                "skillsync-sim",
                "skillsync-sim-secret",
            )
            .await
            .status(),
        );
    }
    assert_eq!(statuses[..2], [StatusCode::OK, StatusCode::OK]);
    assert_eq!(
        statuses[2..],
        [StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST]
    );
}
