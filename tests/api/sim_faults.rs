use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, fetch_token, skill_ids, small_org, spawn_sim};
use skillsync::sim::{Faults, SimConfig};

fn with_faults(faults: Faults) -> SimConfig {
    SimConfig {
        faults,
        ..small_org()
    }
}

#[tokio::test]
async fn over_budget_calls_get_429_with_retry_after_and_no_ratelimit_headers() {
    let sim = spawn_sim(with_faults(Faults {
        rate_limit: 5,
        ..Faults::none()
    }))
    .await;
    for _ in 0..5 {
        assert_eq!(
            sim.get("/api/v2/users?pageSize=1").await.status(),
            StatusCode::OK
        );
    }
    let resp = sim.get("/api/v2/users?pageSize=1").await;
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after));
    assert!(resp
        .headers()
        .keys()
        .all(|k| !k.as_str().starts_with("inin-ratelimit")));
    let body = assert_error(
        resp,
        StatusCode::TOO_MANY_REQUESTS,
        "too.many.requests.retry.after",
    )
    .await;
    assert_eq!(body["limit"]["value"], 5);
    assert_eq!(
        body["messageParams"]["retryAfterSeconds"],
        retry_after.to_string()
    );
    assert_eq!(sim.stats().await.throttled, 1);
}

#[tokio::test]
async fn the_budget_is_per_token() {
    let sim = spawn_sim(with_faults(Faults {
        rate_limit: 2,
        ..Faults::none()
    }))
    .await;
    for _ in 0..3 {
        let _ = sim.get("/api/v2/users").await;
    }
    assert_eq!(
        sim.get("/api/v2/users").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let other: Value = fetch_token(
        &sim.http,
        &sim.base,
        "skillsync-sim",
        "skillsync-sim-secret",
    )
    .await
    .json()
    .await
    .expect("json");
    let resp = sim
        .http
        .get(sim.url("/api/v2/users"))
        .bearer_auth(other["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_second_write_inside_the_conflict_window_gets_409_and_is_not_applied() {
    let sim = spawn_sim(with_faults(Faults {
        conflict_window_ms: 10_000,
        conflict_probability: 1.0,
        ..Faults::none()
    }))
    .await;
    let (user, held) = sim.user_with_skill_count(2, 20).await;
    let path = format!("/api/v2/users/{user}/routingskills/{}", held[0]);
    sim.ok(Method::DELETE, &path, None).await;
    let second = format!("/api/v2/users/{user}/routingskills/{}", held[1]);
    assert_error(
        sim.call(Method::DELETE, &second, None).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(skill_ids(&sim.truth(&user).await).contains(&held[1]));
    // Another user is outside the window.
    let other = sim
        .user_ids()
        .await
        .into_iter()
        .find(|u| *u != user)
        .expect("other user");
    let lang = sim.languages().await.remove(0).0;
    sim.ok(
        Method::PATCH,
        &format!("/api/v2/users/{other}/routinglanguages/{lang}"),
        Some(json!({"proficiency": 1})),
    )
    .await;
}

#[tokio::test]
async fn a_random_conflict_rate_rejects_writes_anywhere() {
    let sim = spawn_sim(with_faults(Faults {
        conflict_rate: 1.0,
        ..Faults::none()
    }))
    .await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    let resp = sim
        .call(
            Method::DELETE,
            &format!("/api/v2/users/{user}/routingskills/{}", held[0]),
            None,
        )
        .await;
    assert_error(resp, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        sim.get("/api/v2/users").await.status(),
        StatusCode::OK,
        "reads are not conflicted"
    );
}

#[tokio::test]
async fn the_next_n_writes_conflict_and_then_writes_go_through() {
    let sim = spawn_sim(with_faults(Faults::none())).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    sim.set_faults(json!({"conflict_next": 2})).await;
    let delete = |skill: String| {
        let (sim, path) = (&sim, format!("/api/v2/users/{user}/routingskills/{skill}"));
        async move { sim.call(Method::DELETE, &path, None).await }
    };
    assert_error(
        delete(held[0].clone()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let faults: Value = sim.get("/sim/faults").await.json().await.expect("json");
    assert_eq!(faults["conflict_next"], 1, "one forced conflict left");
    assert_error(
        delete(held[0].clone()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(delete(held[0].clone()).await.status().is_success());
    let faults: Value = sim.get("/sim/faults").await.json().await.expect("json");
    assert_eq!(faults["conflict_next"], 0);
}

#[tokio::test]
async fn the_next_n_writes_are_applied_and_answered_504() {
    let sim = spawn_sim(with_faults(Faults::none())).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    sim.set_faults(json!({"timeout_next": 1})).await;
    assert_eq!(
        sim.get("/api/v2/users").await.status(),
        StatusCode::OK,
        "reads are spared"
    );
    let path = format!("/api/v2/users/{user}/routingskills/{}", held[0]);
    let resp = sim.call(Method::DELETE, &path, None).await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    let truth = sim.truth(&user).await;
    assert!(
        !skill_ids(&truth).contains(&held[0]),
        "the write landed although its answer was a 504"
    );
    let faults: Value = sim.get("/sim/faults").await.json().await.expect("json");
    assert_eq!(faults["timeout_next"], 0);
}

#[tokio::test]
async fn a_503_comes_before_the_call_and_changes_nothing() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    sim.set_faults(json!({"error_rate": 1.0})).await;
    let resp = sim
        .call(
            Method::DELETE,
            &format!("/api/v2/users/{user}/routingskills/{}", held[0]),
            None,
        )
        .await;
    assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, "service.unavailable").await;
    assert_eq!(skill_ids(&sim.truth(&user).await), held);
}

#[tokio::test]
async fn a_504_comes_after_the_call_so_the_write_may_have_landed() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    sim.set_faults(json!({"timeout_rate": 1.0})).await;
    let resp = sim
        .call(
            Method::DELETE,
            &format!("/api/v2/users/{user}/routingskills/{}", held[0]),
            None,
        )
        .await;
    assert_error(resp, StatusCode::GATEWAY_TIMEOUT, "request.timeout").await;
    assert!(!skill_ids(&sim.truth(&user).await).contains(&held[0]));
}

#[tokio::test]
async fn latency_delays_every_api_call() {
    let sim = spawn_sim(with_faults(Faults {
        latency_ms: 150,
        latency_jitter_ms: 50,
        ..Faults::none()
    }))
    .await;
    let started = Instant::now();
    assert_eq!(
        sim.get("/api/v2/users?pageSize=1").await.status(),
        StatusCode::OK
    );
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(150), "{took:?}");
}

#[tokio::test]
async fn an_outage_fails_api_and_login_until_it_ends() {
    let sim = spawn_sim(small_org()).await;
    let faults = sim.set_faults(json!({"outage_ms": 400})).await;
    assert!(faults["outage_ms"]
        .as_u64()
        .is_some_and(|ms| ms > 0 && ms <= 400));
    assert_error(
        sim.get("/api/v2/users").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "service.unavailable",
    )
    .await;
    let login = fetch_token(
        &sim.http,
        &sim.base,
        "skillsync-sim",
        "skillsync-sim-secret",
    )
    .await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.get("/api/v2/users").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn expansion_is_best_effort_and_can_leave_fields_out() {
    let sim = spawn_sim(small_org()).await;
    sim.set_faults(json!({"expand_missing_rate": 1.0})).await;
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/users?expand=skills,languages,certifications",
            None,
        )
        .await;
    for user in page["entities"].as_array().expect("entities") {
        assert!(
            user.get("skills").is_none()
                && user.get("languages").is_none()
                && user.get("certifications").is_none()
        );
    }
    // The per-user endpoints still answer, which is how a client recovers.
    let id = page["entities"][0]["id"].as_str().expect("id");
    sim.ok(
        Method::GET,
        &format!("/api/v2/users/{id}/routingskills"),
        None,
    )
    .await;
    sim.set_faults(json!({"expand_missing_rate": 0.0})).await;
    let page = sim
        .ok(Method::GET, "/api/v2/users?expand=skills", None)
        .await;
    assert!(page["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .all(|u| u["skills"].is_array()));
}

#[tokio::test]
async fn reads_lag_behind_writes_for_the_configured_time() {
    let sim = spawn_sim(small_org()).await;
    sim.set_faults(json!({"lag_ms": 400, "lag_probability": 1.0}))
        .await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    sim.ok(
        Method::DELETE,
        &format!("/api/v2/users/{user}/routingskills/{}", held[0]),
        None,
    )
    .await;
    let read = |v: Value| -> Vec<String> {
        v["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(|s| s["id"].as_str().expect("id").to_string())
            .collect()
    };
    let path = format!("/api/v2/users/{user}/routingskills?pageSize=100");
    assert!(
        read(sim.ok(Method::GET, &path, None).await).contains(&held[0]),
        "a lagging read shows the old state"
    );
    assert!(
        !skill_ids(&sim.truth(&user).await).contains(&held[0]),
        "the truth has changed"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!read(sim.ok(Method::GET, &path, None).await).contains(&held[0]));
}

#[tokio::test]
async fn faults_are_changed_field_by_field_and_validated() {
    let sim = spawn_sim(small_org()).await;
    let before = sim.set_faults(json!({"error_rate": 0.25})).await;
    assert_eq!(before["error_rate"], 0.25);
    let after = sim.set_faults(json!({"lag_ms": 10})).await;
    assert_eq!(after["error_rate"], 0.25, "unrelated fields stay");
    assert_eq!(after["lag_ms"], 10);
    for bad in [json!({"error_rate": 2.0}), json!({"eror_rate": 0.1})] {
        let resp = sim
            .http
            .post(sim.url("/sim/faults"))
            .json(&bad)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn an_admin_change_in_the_web_ui_shows_up_through_the_api() {
    let sim = spawn_sim(small_org()).await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    let version = sim.truth(&user).await["version"].as_u64().expect("version");
    let name = sim
        .skills()
        .await
        .into_iter()
        .find(|(id, _)| !held.contains(id))
        .expect("unheld")
        .1;
    let resp = sim
        .http
        .post(sim.url(&format!("/sim/users/{user}/skills")))
        .json(&json!({"skills": [{"name": name, "proficiency": 2}], "remove": [held[0]]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let live = sim
        .ok(
            Method::GET,
            &format!("/api/v2/users/{user}?expand=skills"),
            None,
        )
        .await;
    let names: Vec<&str> = live["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&name.as_str()));
    assert!(live["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .all(|s| s["id"] != held[0].as_str()));
    assert_eq!(live["version"], version + 1);
}

#[tokio::test]
async fn a_small_burst_makes_the_per_minute_pace_bite_at_once() {
    let sim = spawn_sim(with_faults(Faults {
        rate_limit: 600,
        rate_burst: 2,
        ..Faults::none()
    }))
    .await;
    let statuses = [
        sim.get("/api/v2/users?pageSize=1").await.status(),
        sim.get("/api/v2/users?pageSize=1").await.status(),
        sim.get("/api/v2/users?pageSize=1").await.status(),
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test]
async fn revoked_tokens_get_401_and_a_new_token_works() {
    let sim = spawn_sim(small_org()).await;
    let resp = sim
        .http
        .post(sim.url("/sim/tokens/revoke"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_error(
        sim.get("/api/v2/users").await,
        StatusCode::UNAUTHORIZED,
        "bad.credentials",
    )
    .await;
    let fresh: Value = fetch_token(
        &sim.http,
        &sim.base,
        "skillsync-sim",
        "skillsync-sim-secret",
    )
    .await
    .json()
    .await
    .expect("json");
    let resp = sim
        .http
        .get(sim.url("/api/v2/users"))
        .bearer_auth(fresh["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
}
