//! Routing status, conversation summary and WFM adherence, and the `/sim` controls behind them.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, small_org, spawn_sim, TestSim};
use skillsync::sim::{Faults, SimConfig};

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

async fn sim_post(sim: &TestSim, path: &str, body: Value) -> reqwest::Response {
    sim.http
        .post(sim.url(path))
        .json(&body)
        .send()
        .await
        .expect("sim request")
}

async fn set_status(sim: &TestSim, user: &str, status: &str) {
    let resp = sim_post(
        sim,
        &format!("/sim/users/{user}/routingstatus"),
        json!({ "status": status }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

async fn set_activity(sim: &TestSim, user: &str, category: &str) {
    let resp = sim_post(
        sim,
        &format!("/sim/users/{user}/activity"),
        json!({ "category": category }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

async fn routing_status(sim: &TestSim, user: &str) -> Value {
    sim.ok(
        Method::GET,
        &format!("/api/v2/users/{user}/routingstatus"),
        None,
    )
    .await
}

/// The ids of users INTERACTING, from one listing page.
async fn busy_users(sim: &TestSim) -> BTreeSet<String> {
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/users?pageSize=100&expand=routingStatus",
            None,
        )
        .await;
    page["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter(|u| u["routingStatus"]["status"] == "INTERACTING")
        .map(|u| u["id"].as_str().expect("id").to_string())
        .collect()
}

fn adherence_path(ids: &[&str]) -> String {
    let query: Vec<String> = ids.iter().map(|id| format!("userId={id}")).collect();
    format!("/api/v2/workforcemanagement/adherence?{}", query.join("&"))
}

#[tokio::test]
async fn an_unknown_user_is_off_queue_not_404() {
    let sim = spawn_sim(small_org()).await;
    for id in [UNKNOWN, "not-a-user"] {
        let status = routing_status(&sim, id).await;
        assert_eq!(status["userId"], id);
        assert_eq!(status["status"], "OFF_QUEUE");
        assert!(status.get("startTime").is_none());
    }
}

#[tokio::test]
async fn agents_start_idle_and_unscheduled() {
    let sim = spawn_sim(small_org()).await;
    let user = sim.user_ids().await.remove(0);
    let status = routing_status(&sim, &user).await;
    assert_eq!(status["userId"], user.as_str());
    assert_eq!(status["status"], "IDLE");
    assert!(status["startTime"]
        .as_str()
        .expect("startTime")
        .ends_with('Z'));
    let adherence = sim.ok(Method::GET, &adherence_path(&[&user]), None).await;
    assert_eq!(adherence[0]["scheduledActivityCategory"], "Unscheduled");
    assert_eq!(adherence[0]["adherenceState"], "Unscheduled");
    assert!(busy_users(&sim).await.is_empty());
}

#[tokio::test]
async fn a_status_set_through_sim_shows_in_every_read() {
    let sim = spawn_sim(small_org()).await;
    let ids = sim.user_ids().await;
    let (busy, idle) = (&ids[3], &ids[4]);
    set_status(&sim, busy, "INTERACTING").await;
    set_activity(&sim, busy, "OnQueueWork").await;
    set_status(&sim, idle, "OFF_QUEUE").await;
    set_activity(&sim, idle, "OnQueueWork").await;

    let status = routing_status(&sim, busy).await;
    assert_eq!(status["status"], "INTERACTING");
    let started = status["startTime"].as_str().expect("startTime");
    assert!(started.starts_with(&time::OffsetDateTime::now_utc().year().to_string()));

    sim.reset_stats().await;
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/users?pageSize=25&expand=routingStatus,conversationSummary",
            None,
        )
        .await;
    let entities = page["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 20, "the whole org on one page");
    for user in entities {
        let id = user["id"].as_str().expect("id");
        let (status, active) = if id == busy.as_str() {
            ("INTERACTING", 1)
        } else if id == idle.as_str() {
            ("OFF_QUEUE", 0)
        } else {
            ("IDLE", 0)
        };
        assert_eq!(user["routingStatus"]["status"], status, "{id}");
        assert_eq!(user["routingStatus"]["userId"], id);
        let summary = &user["conversationSummary"];
        assert_eq!(summary["userId"], id);
        assert_eq!(summary["call"]["contactCenter"]["active"], active, "{id}");
        for media in [
            "callback",
            "email",
            "message",
            "chat",
            "socialExpression",
            "video",
        ] {
            assert_eq!(summary[media]["enterprise"]["active"], 0);
        }
    }
    let stats = sim.stats().await;
    assert_eq!(
        stats.total, 1,
        "one call for the page: {:?}",
        stats.requests
    );

    let one = sim
        .ok(
            Method::GET,
            &format!("/api/v2/users/{busy}?expand=routingStatus,conversationSummary"),
            None,
        )
        .await;
    assert_eq!(one["routingStatus"]["status"], "INTERACTING");
    assert_eq!(
        one["conversationSummary"]["call"]["contactCenter"]["active"],
        1
    );

    let adherence = sim
        .ok(
            Method::GET,
            &adherence_path(&[busy, UNKNOWN, idle, busy]),
            None,
        )
        .await;
    let records = adherence.as_array().expect("array of records");
    assert_eq!(records.len(), 2, "unknown left out, duplicates once");
    assert_eq!(records[0]["user"]["id"], busy.as_str());
    assert_eq!(records[0]["routingStatus"], "INTERACTING");
    assert_eq!(records[0]["systemPresence"], "OnQueue");
    assert_eq!(records[0]["adherenceState"], "InAdherence");
    assert_eq!(records[1]["user"]["id"], idle.as_str());
    assert_eq!(records[1]["scheduledActivityCategory"], "OnQueueWork");
    assert_eq!(records[1]["routingStatus"], "OFF_QUEUE");
    assert_eq!(records[1]["adherenceState"], "OutOfAdherence");
    assert_eq!(records[1]["impact"], "Negative");
}

#[tokio::test]
async fn the_sim_controls_reject_bad_input() {
    let sim = spawn_sim(small_org()).await;
    let user = sim.user_ids().await.remove(0);
    let resp = sim_post(
        &sim,
        &format!("/sim/users/{user}/routingstatus"),
        json!({ "status": "BUSY" }),
    )
    .await;
    let body = assert_error(resp, StatusCode::BAD_REQUEST, "invalid.value").await;
    assert!(body["message"].as_str().expect("message").contains("BUSY"));
    let resp = sim_post(
        &sim,
        &format!("/sim/users/{user}/activity"),
        json!({ "category": "Lunch" }),
    )
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid.value").await;
    let resp = sim_post(
        &sim,
        &format!("/sim/users/{UNKNOWN}/routingstatus"),
        json!({ "status": "IDLE" }),
    )
    .await;
    assert_error(resp, StatusCode::NOT_FOUND, "not.found").await;
}

#[tokio::test]
async fn adherence_takes_at_most_100_users() {
    let sim = spawn_sim(small_org()).await;
    let ids: Vec<String> = (0..101)
        .map(|n| format!("00000000-0000-4000-8000-{n:012}"))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = assert_error(
        sim.get(&adherence_path(&refs)).await,
        StatusCode::BAD_REQUEST,
        "invalid.value",
    )
    .await;
    assert!(body["message"].as_str().expect("message").contains("100"));
    let hundred = sim
        .ok(Method::GET, &adherence_path(&refs[..100]), None)
        .await;
    assert_eq!(hundred, json!([]));
    assert_error(
        sim.get("/api/v2/workforcemanagement/adherence").await,
        StatusCode::BAD_REQUEST,
        "invalid.value",
    )
    .await;
}

#[tokio::test]
async fn busy_share_picks_the_same_agents_for_the_same_seed() {
    let config = || SimConfig {
        faults: Faults {
            busy_share: 0.3,
            ..Faults::none()
        },
        ..small_org()
    };
    let first = busy_users(&spawn_sim(config()).await).await;
    assert_eq!(first.len(), 6);
    assert_eq!(first, busy_users(&spawn_sim(config()).await).await);

    let sim = spawn_sim(small_org()).await;
    assert!(busy_users(&sim).await.is_empty());
    let faults = sim.set_faults(json!({ "busy_share": 0.3 })).await;
    assert_eq!(faults["busy_share"], 0.3);
    assert_eq!(
        busy_users(&sim).await,
        first,
        "set at run time, same agents"
    );
    let resp = sim_post(&sim, "/sim/faults", json!({ "busy_share": 1.5 })).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn status_changes_churn_the_busy_agents_when_switched_on() {
    let sim = spawn_sim(small_org()).await;
    sim.set_faults(json!({ "busy_share": 0.5 })).await;
    let before = busy_users(&sim).await;
    assert_eq!(before.len(), 10);
    sim.set_faults(json!({ "status_change_ms": 20 })).await;
    // The steps are the seed's; only when they land is the clock's: wait generously.
    let mut changed = false;
    for _ in 0..500 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if busy_users(&sim).await != before {
            changed = true;
            break;
        }
    }
    sim.set_faults(json!({ "status_change_ms": 0 })).await;
    assert!(changed, "the busy set never changed");
}

#[tokio::test]
async fn expansions_stay_best_effort_and_unknown_values_are_ignored() {
    let sim = spawn_sim(SimConfig {
        faults: Faults {
            expand_missing_rate: 1.0,
            ..Faults::none()
        },
        ..small_org()
    })
    .await;
    let page = sim
        .ok(
            Method::GET,
            "/api/v2/users?expand=routingStatus,conversationSummary",
            None,
        )
        .await;
    for user in page["entities"].as_array().expect("entities") {
        assert!(user.get("routingStatus").is_none());
        assert!(user.get("conversationSummary").is_none());
    }
    sim.set_faults(json!({ "expand_missing_rate": 0.0 })).await;
    let page = sim
        .ok(Method::GET, "/api/v2/users?pageSize=1&expand=bogus", None)
        .await;
    let user = &page["entities"][0];
    assert!(user.get("routingStatus").is_none());
    assert!(user.get("skills").is_none());
}

#[tokio::test]
async fn status_reads_are_counted_by_path_and_never_as_writes() {
    let sim = spawn_sim(small_org()).await;
    let user = sim.user_ids().await.remove(0);
    set_status(&sim, &user, "INTERACTING").await;
    sim.reset_stats().await;
    routing_status(&sim, &user).await;
    routing_status(&sim, UNKNOWN).await;
    sim.ok(Method::GET, &adherence_path(&[&user]), None).await;
    set_status(&sim, &user, "IDLE").await;
    let stats = sim.stats().await;
    assert_eq!(stats.writes, 0);
    assert!(stats.writes_per_user.is_empty());
    let count = |path: &str| {
        stats
            .requests
            .iter()
            .filter(|r| r.method == "GET" && r.path == path && r.status == 200)
            .map(|r| r.count)
            .sum::<u64>()
    };
    assert_eq!(count("/api/v2/users/{id}/routingstatus"), 2);
    assert_eq!(count("/api/v2/workforcemanagement/adherence"), 1);
    assert_eq!(stats.total, 3);
}

#[tokio::test]
async fn status_reads_need_a_token() {
    let sim = spawn_sim(small_org()).await;
    let resp = sim
        .http
        .get(sim.url(&format!("/api/v2/users/{UNKNOWN}/routingstatus")))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = sim
        .http
        .get(sim.url(&adherence_path(&[UNKNOWN])))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn many_agents_change_status_at_once_or_none_do() {
    let sim = spawn_sim(small_org()).await;
    let ids = sim.user_ids().await;
    let resp = sim_post(
        &sim,
        "/sim/routingstatus",
        json!({ "status": "INTERACTING", "userIds": [ids[0], UNKNOWN] }),
    )
    .await;
    assert_error(resp, StatusCode::NOT_FOUND, "not.found").await;
    assert!(busy_users(&sim).await.is_empty());
    let resp = sim_post(
        &sim,
        "/sim/routingstatus",
        json!({ "status": "INTERACTING", "userIds": [ids[0], ids[1]] }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let expected: BTreeSet<String> = ids[..2].iter().cloned().collect();
    assert_eq!(busy_users(&sim).await, expected);
}
