use reqwest::Method;
use serde_json::Value;

use crate::helpers::{small_org, spawn_sim};
use skillsync::sim::SimConfig;

async fn org_dump(seed: u64) -> (Value, Value) {
    let sim = spawn_sim(SimConfig {
        seed,
        ..small_org()
    })
    .await;
    let users = sim
        .ok(
            Method::GET,
            "/api/v2/users?pageSize=500&expand=skills,languages,certifications,employerInfo",
            None,
        )
        .await;
    let skills = sim
        .ok(Method::GET, "/api/v2/routing/skills?pageSize=500", None)
        .await;
    (users, skills)
}

#[tokio::test]
async fn the_same_seed_gives_the_same_org_over_http() {
    assert_eq!(org_dump(5).await, org_dump(5).await);
}

#[tokio::test]
async fn a_different_seed_gives_a_different_org() {
    let (a, _) = org_dump(5).await;
    let (b, _) = org_dump(6).await;
    assert_ne!(a, b);
}
