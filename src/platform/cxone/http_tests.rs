//! The CXone connector against real HTTP: a tiny axum stand-in for a tenant (discovery, the
//! access-key login, capped `skip`/`top` listings). The CXone simulator will replace it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::calls;
use super::endpoints::{self, Source};
use super::Cxone;
use crate::platform::{PlatformError, PlatformSettings};

/// The most a page holds, whatever `top` asks for.
const CAP: usize = 2;

#[derive(Default)]
pub(super) struct Tenant {
    queries: Mutex<Vec<String>>,
    logins: Mutex<Vec<Value>>,
    /// Writes received: method, path and body.
    pub(super) writes: Mutex<Vec<(String, String, Value)>>,
    discoveries: Mutex<u32>,
}

pub(super) type Shared = Arc<Tenant>;
type Reply = (StatusCode, Json<Value>);

pub(super) fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .is_some_and(|v| v == "Bearer tok-1")
}

fn page(q: &HashMap<String, String>) -> (usize, usize) {
    let skip = q.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let top: usize = q.get("top").and_then(|s| s.parse().ok()).unwrap_or(100);
    (skip, top.min(CAP))
}

async fn discovery(headers: HeaderMap) -> Json<Value> {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Json(
        json!({"api_endpoint": format!("http://{host}/api/"), "auth_endpoint": format!("http://{host}/auth"), "other": 1}),
    )
}

/// The first discovery fails with a 503, later ones succeed.
async fn flaky_discovery(State(t): State<Shared>, headers: HeaderMap) -> Reply {
    let n = {
        let mut n = t.discoveries.lock().expect("lock");
        *n += 1;
        *n
    };
    if n == 1 {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    let Json(found) = discovery(headers).await;
    (StatusCode::OK, Json(found))
}

pub(super) async fn login(State(t): State<Shared>, Json(body): Json<Value>) -> Reply {
    t.logins.lock().expect("lock").push(body.clone());
    if body["accessKeySecret"] == "right" && body["accessKeyId"] == "key-1" {
        let token = json!({"access_token":"tok-1","token_type":"Bearer","expires_in":"3600"});
        (StatusCode::OK, Json(token))
    } else {
        let refusal = json!({"error":"invalid_client","error_description":"Invalid access key"});
        (StatusCode::UNAUTHORIZED, Json(refusal))
    }
}

async fn agents(
    State(t): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"message":"no"})));
    }
    t.queries
        .lock()
        .expect("lock")
        .push(format!("agents {q:?}"));
    let (skip, top) = page(&q);
    let all: Vec<Value> = (1..=5)
        .map(|id| json!({"agentId": id, "userName": format!("a{id}@x"), "isActive": true}))
        .collect();
    let items: Vec<Value> = all.into_iter().skip(skip).take(top).collect();
    let body = json!({"agents": items, "totalRecords": 5, "_links": {"next": null}});
    (StatusCode::OK, Json(body))
}

/// Without `totalRecords`: the links say whether more follow.
async fn assignments(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Reply {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({})));
    }
    let (skip, top) = page(&q);
    let all: Vec<Value> = [(1, 10, 1), (1, 11, 20), (2, 10, 5)]
        .iter()
        .map(|(a, s, p)| json!({"agentId": a, "skillId": s, "agentProficiencyValue": p, "isActive": true}))
        .filter(|r| !q.contains_key("updatedSince") || r["agentId"] == 2)
        .collect();
    let items: Vec<Value> = all.iter().skip(skip).take(top).cloned().collect();
    let next = if skip + items.len() < all.len() {
        "https://next"
    } else {
        ""
    };
    let poll = q
        .get("updatedSince")
        .map_or("T1".to_string(), |s| format!("after {s}"));
    let body =
        json!({"agentSkillAssignments": items, "_links": {"next": next}, "lastPollTime": poll});
    (StatusCode::OK, Json(body))
}

/// A listing that ignores `skip` and `top` and has neither a total nor links.
async fn skills(headers: HeaderMap) -> Reply {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({})));
    }
    let all: Vec<Value> = (1..=3)
        .map(|id| json!({"skillId": id, "skillName": format!("S{id}"), "isActive": true}))
        .collect();
    (StatusCode::OK, Json(json!({"skills": all})))
}

async fn agent_skills(Path(id): Path<String>) -> Json<Value> {
    Json(json!({"resultSet": {"agentSkillAssignments": [
        {"agentId": id, "skillId": 10, "skillName": "Billing", "agentProficiencyValue": 4}]}}))
}

async fn tenant() -> (String, Shared) {
    let shared = Shared::default();
    let app = Router::new()
        .route("/.well-known/cxone-configuration", get(discovery))
        .route("/.well-known/flaky", get(flaky_discovery))
        .route("/auth/authentication/v1/token/access-key", post(login))
        .route("/api/inContactAPI/services/v33.0/agents", get(agents))
        .route(
            "/api/inContactAPI/services/v33.0/agents/skills",
            get(assignments),
        )
        .route(
            "/api/inContactAPI/services/v33.0/agents/{id}/skills",
            get(agent_skills),
        )
        .route("/api/inContactAPI/services/v33.0/skills", get(skills))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), shared)
}

pub(super) fn settings(secret: &str) -> PlatformSettings {
    PlatformSettings {
        kind: "cxone".into(),
        region: String::new(),
        base_url: String::new(),
        client_id: String::new(),
        client_secret: "".into(),
        requests_per_minute: 6_000,
        max_concurrency: 4,
        request_timeout_secs: 5,
        connect_timeout_secs: 5,
        max_retries: 0,
        users_page_size: 500,
        definitions_page_size: 100,
        create_missing_skills: false,
        division: String::new(),
        access_key_id: "key-1".into(),
        access_key_secret: secret.into(),
        area: "na1".into(),
        api_version: "v33.0".into(),
        write_batch_size: 50,
    }
}

/// A connector whose discovery document is the stand-in's.
async fn connector(secret: &str) -> (Cxone, Shared) {
    let (base, shared) = tenant().await;
    let cxone = Cxone::new(&settings(secret))
        .expect("valid settings")
        .with_source(Source::Discover {
            url: format!("{base}/.well-known/cxone-configuration"),
            api_version: "v33.0".into(),
        });
    (cxone, shared)
}

#[tokio::test]
async fn discovery_finds_the_hosts_and_the_access_key_mints_a_token() {
    let (cxone, shared) = connector("right").await;
    let found = cxone.endpoints().await.expect("discovered");
    assert!(found
        .token_url
        .ends_with("/auth/authentication/v1/token/access-key"));
    assert!(found.api_base.ends_with("/api/inContactAPI/services/v33.0"));
    cxone.check_credentials().await.expect("token");
    cxone.check_credentials().await.expect("cached token");
    assert_eq!(cxone.calls().of(calls::TOKEN), 1);
    let logins = shared.logins.lock().expect("lock").clone();
    assert_eq!(
        logins,
        [json!({"accessKeyId":"key-1","accessKeySecret":"right"})]
    );
}

#[tokio::test]
async fn a_refused_access_key_is_an_auth_error_without_the_secret() {
    let (cxone, _) = connector("wrong-secret-123").await;
    let error = cxone.check_credentials().await.expect_err("refused");
    let text = error.to_string();
    assert!(matches!(error, PlatformError::Auth(_)), "{text}");
    assert!(
        text.contains("invalid_client: Invalid access key"),
        "{text}"
    );
    assert!(
        text.contains("key-1") && !text.contains("wrong-secret-123"),
        "{text}"
    );
}

#[tokio::test]
async fn agents_are_paged_until_the_total_even_when_the_server_caps_top() {
    let (cxone, shared) = connector("right").await;
    let agents = cxone.agents().await.expect("agents");
    let ids: Vec<&str> = agents.iter().map(|a| a.agent_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    assert_eq!(cxone.calls().of(calls::LIST_AGENTS), 3);
    let queries = shared.queries.lock().expect("lock").clone();
    assert!(
        queries.iter().all(|q| q.contains("\"isActive\": \"true\"")),
        "{queries:?}"
    );
    assert!(queries[2].contains("\"skip\": \"4\""), "{queries:?}");
}

#[tokio::test]
async fn assignments_follow_the_links_and_are_grouped_by_agent() {
    let (cxone, _) = connector("right").await;
    let by_agent = cxone.assignments().await.expect("assignments");
    assert_eq!(by_agent.len(), 2);
    let first = &by_agent[&super::CxoneId::from(1)];
    let values: Vec<u8> = first
        .iter()
        .filter_map(|a| a.agent_proficiency_value.map(|p| p.get()))
        .collect();
    assert_eq!(values, [1, 20]);
    assert_eq!(cxone.calls().of(calls::LIST_ASSIGNMENTS), 2);
}

#[tokio::test]
async fn an_incremental_read_passes_the_poll_time_and_returns_the_next() {
    let (cxone, _) = connector("right").await;
    let changes = cxone
        .read_assignments_since("2026-12-01T10:00:00+01:00")
        .await
        .expect("changes");
    assert_eq!(changes.records.len(), 1);
    assert_eq!(
        changes.last_poll_time.as_deref(),
        Some("after 2026-12-01T10:00:00+01:00")
    );
}

#[tokio::test]
async fn one_agents_skills_are_read_under_result_set_too() {
    let (cxone, _) = connector("right").await;
    let skills = cxone
        .agent_skills(&super::CxoneId::from(7))
        .await
        .expect("skills");
    assert_eq!(skills.len(), 1);
    assert_eq!(skills[0].skill_name.as_deref(), Some("Billing"));
    assert_eq!(cxone.calls().of(calls::GET_AGENT_SKILLS), 1);
}

#[tokio::test]
async fn a_listing_that_does_not_page_is_read_once() {
    let (cxone, _) = connector("right").await;
    let skills = cxone.skills().await.expect("skills");
    assert_eq!(skills.len(), 3);
    assert_eq!(cxone.calls().of(calls::LIST_SKILLS), 1);
}

#[tokio::test]
async fn an_unknown_area_is_a_configuration_error() {
    let (base, _) = tenant().await;
    let url = format!("{base}/.well-known/nothing-here");
    let error = endpoints::discover(&reqwest::Client::new(), &url, "v33.0")
        .await
        .expect_err("404");
    assert!(matches!(error, PlatformError::Config(_)), "{error}");
}

#[tokio::test]
async fn a_failed_discovery_is_tried_again_at_the_next_call() {
    let (base, _) = tenant().await;
    let cxone = Cxone::new(&settings("right"))
        .expect("valid settings")
        .with_source(Source::Discover {
            url: format!("{base}/.well-known/flaky"),
            api_version: "v33.0".into(),
        });
    let error = cxone.check_credentials().await.expect_err("503");
    assert!(
        matches!(error, PlatformError::Unavailable { .. }),
        "{error}"
    );
    cxone
        .check_credentials()
        .await
        .expect("discovered the second time");
    assert_eq!(cxone.agents().await.expect("agents").len(), 5);
}

#[test]
fn a_configuration_without_an_access_key_or_area_is_refused() {
    let mut s = settings("right");
    s.access_key_id.clear();
    assert!(Cxone::new(&s).is_err_and(|e| e.to_string().contains("access_key_id")));
    let mut s = settings("");
    s.access_key_id = "key-1".into();
    assert!(Cxone::new(&s).is_err_and(|e| e.to_string().contains("ACCESS_KEY_SECRET")));
    let mut s = settings("right");
    s.area = "na1.evil".into();
    assert!(Cxone::new(&s).is_err_and(|e| e.to_string().contains("platform.area")));
}
