//! The Genesys connector's view of what agents are doing: routing status on every user read at
//! no extra call, and scheduled activities from WFM adherence, 100 users a call.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{settings_for, small_org, spawn_sim, TestSim};
use skillsync::domain::{LiveAgent, RoutingStatus};
use skillsync::platform::genesys::calls;
use skillsync::platform::{CallKind, Connector, Platform};
use skillsync::sim::SimConfig;

async fn sim_post(sim: &TestSim, path: &str, body: Value) {
    let resp = sim
        .http
        .post(sim.url(path))
        .json(&body)
        .send()
        .await
        .expect("sim request");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{path}");
}

async fn set_status(sim: &TestSim, user: &str, status: &str) {
    let path = format!("/sim/users/{user}/routingstatus");
    sim_post(sim, &path, json!({ "status": status })).await;
}

async fn set_activity(sim: &TestSim, user: &str, category: &str) {
    let path = format!("/sim/users/{user}/activity");
    sim_post(sim, &path, json!({ "category": category })).await;
}

/// A Genesys connector on `sim` reading users `page_size` a page.
fn connector(sim: &TestSim, page_size: u32) -> Connector {
    let mut settings = settings_for(sim);
    settings.platform.users_page_size = page_size;
    Connector::from_settings(&settings.platform).expect("connector")
}

fn statuses(agents: &[LiveAgent]) -> BTreeMap<String, Option<RoutingStatus>> {
    agents
        .iter()
        .map(|a| (a.user_id.clone(), a.routing.map(|r| r.status)))
        .collect()
}

/// Calls the sim answered for one method and route template.
fn answered(stats: &skillsync::sim::stats::StatsReport, method: &str, path: &str) -> u64 {
    stats
        .requests
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .map(|r| r.count)
        .sum()
}

#[tokio::test]
async fn genesys_observe_carries_routing_status_without_a_single_extra_call() {
    let sim = spawn_sim(SimConfig {
        agents: 250,
        ..small_org()
    })
    .await;
    let ids = sim.user_ids().await;
    let busy: Vec<&String> = ids.iter().step_by(7).collect();
    for id in &busy {
        set_status(&sim, id, "INTERACTING").await;
    }
    set_status(&sim, &ids[1], "OFF_QUEUE").await;
    sim.reset_stats().await;

    let platform = connector(&sim, 100);
    assert!(platform.reports_routing());
    let agents = platform.observe().await.expect("observed");
    assert_eq!(agents.len(), 250);
    for (id, status) in statuses(&agents) {
        let expected = if busy.contains(&&id) {
            RoutingStatus::Interacting
        } else if id == ids[1] {
            RoutingStatus::OffQueue
        } else {
            RoutingStatus::Idle
        };
        assert_eq!(status, Some(expected), "{id}");
    }
    let busy_agent = agents.iter().find(|a| &a.user_id == busy[0]).expect("busy");
    assert!(busy_agent.routing.and_then(|r| r.since).is_some());

    // Exactly what a scan cost before routingStatus was asked for: a token and three pages.
    let calls = platform.calls();
    assert_eq!(calls.of(calls::LIST_USERS), 3, "{calls:?}");
    assert_eq!(calls.of(calls::GET_USER), 0, "{calls:?}");
    assert_eq!(calls.of(CallKind::TOKEN), 1, "{calls:?}");
    assert_eq!(calls.total(), 4, "{calls:?}");
    let stats = sim.stats().await;
    assert_eq!(answered(&stats, "GET", "/api/v2/users"), 3, "{stats:?}");
    assert_eq!(
        answered(&stats, "GET", "/api/v2/users/{id}/routingstatus"),
        0
    );
}

#[tokio::test]
async fn genesys_users_re_read_for_lost_expansions_still_bring_their_routing_status() {
    let sim = spawn_sim(small_org()).await;
    let ids = sim.user_ids().await;
    set_status(&sim, &ids[2], "INTERACTING").await;
    sim.set_faults(json!({"expand_missing_rate": 1.0})).await;

    let platform = connector(&sim, 100);
    let agents = platform.observe().await.expect("observed");
    let calls = platform.calls();
    assert_eq!(calls.of(calls::LIST_USERS), 1, "{calls:?}");
    assert_eq!(
        calls.of(calls::GET_USER),
        20,
        "one re-read per user: {calls:?}"
    );
    for (id, status) in statuses(&agents) {
        let expected = if id == ids[2] {
            RoutingStatus::Interacting
        } else {
            RoutingStatus::Idle
        };
        assert_eq!(status, Some(expected), "{id}");
    }
}

#[tokio::test]
async fn genesys_read_agents_carries_routing_status() {
    let sim = spawn_sim(small_org()).await;
    let ids = sim.user_ids().await;
    set_status(&sim, &ids[0], "INTERACTING").await;
    set_status(&sim, &ids[1], "COMMUNICATING").await;

    let platform = connector(&sim, 100);
    let wanted = ids[..3].to_vec();
    let agents = platform.read_agents(&wanted).await.expect("read");
    let got = statuses(&agents);
    let expected: BTreeMap<String, Option<RoutingStatus>> = [
        (ids[0].clone(), Some(RoutingStatus::Interacting)),
        (ids[1].clone(), Some(RoutingStatus::Communicating)),
        (ids[2].clone(), Some(RoutingStatus::Idle)),
    ]
    .into();
    assert_eq!(got, expected);
    let calls = platform.calls();
    assert_eq!(calls.of(calls::LIST_USERS), 1, "{calls:?}");
    assert_eq!(calls.of(calls::GET_USER), 0, "{calls:?}");
}

#[tokio::test]
async fn genesys_scheduled_activities_ask_for_100_users_a_call() {
    let sim = spawn_sim(SimConfig {
        agents: 250,
        ..small_org()
    })
    .await;
    let ids = sim.user_ids().await;
    assert_eq!(ids.len(), 250);
    set_activity(&sim, &ids[0], "OnQueueWork").await;
    set_activity(&sim, &ids[150], "Break").await;
    set_activity(&sim, &ids[249], "Meeting").await;
    sim.reset_stats().await;

    let platform = connector(&sim, 500);
    let mut asked = ids.clone();
    asked.push("00000000-0000-4000-8000-000000000000".into());
    asked.push(ids[3].clone());
    let activities = platform
        .scheduled_activities(&asked)
        .await
        .expect("adherence read");

    assert_eq!(activities.len(), 250, "the unknown user is left out");
    assert_eq!(activities[&ids[0]], "OnQueueWork");
    assert_eq!(activities[&ids[150]], "Break");
    assert_eq!(activities[&ids[249]], "Meeting");
    assert_eq!(activities[&ids[7]], "Unscheduled");

    let calls = platform.calls();
    assert_eq!(calls.of(calls::GET_ADHERENCE), 3, "{calls:?}");
    assert_eq!(calls.total(), 4, "a token and three adherence reads");
    let stats = sim.stats().await;
    assert_eq!(
        answered(&stats, "GET", "/api/v2/workforcemanagement/adherence"),
        3,
        "{stats:?}"
    );
    assert!(stats.requests.iter().all(|r| r.status == 200), "{stats:?}");
    let none = platform.scheduled_activities(&[]).await.expect("nothing");
    assert!(none.is_empty());
    assert_eq!(
        platform.calls().of(calls::GET_ADHERENCE),
        3,
        "no call for nobody"
    );
}
