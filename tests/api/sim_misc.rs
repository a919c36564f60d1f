use reqwest::{Method, StatusCode};

use crate::helpers::{assert_error, small_org, spawn_sim};
use skillsync::sim::{Faults, SimConfig};

#[tokio::test]
async fn routing_status_reports_a_known_status() {
    let sim = spawn_sim(small_org()).await;
    let user = sim.user_ids().await.remove(0);
    let status = sim
        .ok(
            Method::GET,
            &format!("/api/v2/users/{user}/routingstatus"),
            None,
        )
        .await;
    assert_eq!(status["userId"], user.as_str());
    assert!(
        ["OFF_QUEUE", "IDLE", "INTERACTING"].contains(&status["status"].as_str().expect("status"))
    );
}

#[tokio::test]
async fn the_limits_namespace_reports_the_configured_budget() {
    let sim = spawn_sim(SimConfig {
        faults: Faults {
            rate_limit: 1200,
            ..Faults::none()
        },
        ..small_org()
    })
    .await;
    let limits = sim
        .ok(
            Method::GET,
            "/api/v2/organizations/limits/namespaces/platform.api",
            None,
        )
        .await;
    let entry = limits["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|e| e["key"] == "client.credentials.token.rate.per.minute")
        .cloned()
        .expect("token rate limit listed");
    assert_eq!(entry["value"], 1200);
    assert_eq!(entry["namespace"], "platform.api");
    assert_error(
        sim.get("/api/v2/organizations/limits/namespaces/nope")
            .await,
        StatusCode::NOT_FOUND,
        "not.found",
    )
    .await;
}

#[tokio::test]
async fn stats_count_requests_by_route_template_and_status_and_reset() {
    let sim = spawn_sim(small_org()).await;
    sim.reset_stats().await;
    let (user, held) = sim.user_with_skill_count(1, 20).await;
    sim.reset_stats().await;
    sim.ok(Method::GET, "/api/v2/users", None).await;
    sim.ok(
        Method::DELETE,
        &format!("/api/v2/users/{user}/routingskills/{}", held[0]),
        None,
    )
    .await;
    let _ = sim.get("/api/v2/users/nobody").await;
    let stats = sim.stats().await;
    assert_eq!(stats.total, 3);
    assert_eq!(stats.writes, 1);
    assert_eq!(stats.writes_per_user.get(&user), Some(&1));
    let row = |path: &str, status: u16| {
        stats
            .requests
            .iter()
            .find(|r| r.path == path && r.status == status)
            .map(|r| r.count)
    };
    assert_eq!(row("/api/v2/users", 200), Some(1));
    assert_eq!(
        row("/api/v2/users/{id}/routingskills/{skill_id}", 204),
        Some(1)
    );
    assert_eq!(row("/api/v2/users/{id}", 404), Some(1));
    sim.reset_stats().await;
    assert_eq!(sim.stats().await.total, 0);
}
