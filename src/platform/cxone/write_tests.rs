//! CXone writes against a stand-in tenant over HTTP: the methods and paths, wrapped bodies,
//! batching, and failed items in a 200.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{any, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::bodies::{AgentGrant, AgentSkillRemovals, AgentSkills, SkillGrant};
use super::http_tests::{authorized, login, settings, Shared};
use super::{calls, Cxone, CxoneId, CxoneProficiency};

/// Answers every write with a result set in which id 99 fails.
async fn write(
    State(t): State<Shared>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({})));
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_string();
    t.writes
        .lock()
        .expect("lock")
        .push((method.to_string(), path.clone(), body.clone()));
    let per_agent = path.ends_with("/skills");
    let (list, id, results) = if per_agent {
        ("skills", "skillId", "skillResults")
    } else {
        ("agents", "agentId", "agentResults")
    };
    let items: Vec<Value> = body[list]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|item| match item[id].as_u64() {
            Some(99) => json!({id: 99, "success": false, "errorMessage": "Not allowed"}),
            other => json!({id: other, "success": true}),
        })
        .collect();
    let errors = items.iter().filter(|i| i["success"] == false).count();
    let answer = json!({"resultSet": {"errorCount": errors, results: items}});
    (StatusCode::OK, Json(answer))
}

async fn connector() -> (Cxone, Shared) {
    let shared = Shared::default();
    let app = Router::new()
        .route("/authentication/v1/token/access-key", post(login))
        .route("/inContactAPI/services/v33.0/{*rest}", any(write))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut s = settings("right");
    s.base_url = format!("http://{addr}/");
    s.write_batch_size = 2;
    (Cxone::new(&s).expect("valid settings"), shared)
}

fn p(v: i64) -> CxoneProficiency {
    CxoneProficiency::new(v).expect("in range")
}

#[tokio::test]
async fn per_agent_writes_send_wrapped_bodies_and_report_failed_items() {
    let (cxone, shared) = connector().await;
    let agent = CxoneId::from(101);
    let grant = |id: u64| SkillGrant {
        skill_id: id.into(),
        proficiency: p(3),
        is_active: true,
    };
    let added = cxone
        .add_agent_skills(&agent, &AgentSkills::new(vec![grant(10), grant(99)]))
        .await
        .expect("answered");
    let failed: Vec<&str> = added.failed_ids().map(CxoneId::as_str).collect();
    assert_eq!(failed, ["99"]);
    assert_eq!(added.failed[0].message, "Not allowed");
    let modified = cxone
        .modify_agent_skills(&agent, &AgentSkills::new(vec![grant(10)]))
        .await
        .expect("answered");
    assert!(modified.is_clean());
    let removed = cxone
        .delete_agent_skills(&agent, &AgentSkillRemovals::new([CxoneId::from(10)]))
        .await
        .expect("answered");
    assert!(removed.is_clean());
    let writes = shared.writes.lock().expect("lock").clone();
    let seen: Vec<(&str, &str)> = writes
        .iter()
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    let path = "/inContactAPI/services/v33.0/agents/101/skills";
    assert_eq!(seen, [("POST", path), ("PUT", path), ("DELETE", path)]);
    assert!(writes.iter().all(|(_, _, body)| body.is_object()));
    assert_eq!(writes[2].2, json!({"skills":[{"skillId":10}]}));
    let counts = cxone.calls();
    assert_eq!(counts.writes(), 3);
    assert_eq!(counts.of(calls::DELETE_AGENT_SKILLS), 1);
}

#[tokio::test]
async fn per_skill_writes_are_batched_and_failures_merged() {
    let (cxone, shared) = connector().await;
    let skill = CxoneId::from(10);
    let agents: Vec<AgentGrant> = [1, 2, 99, 4, 5]
        .into_iter()
        .map(|id: u64| AgentGrant {
            agent_id: id.into(),
            proficiency: p(1),
            is_active: true,
        })
        .collect();
    let report = cxone
        .add_skill_agents(&skill, &agents)
        .await
        .expect("answered");
    assert_eq!(
        report.failed_ids().collect::<Vec<_>>(),
        [&CxoneId::from(99)]
    );
    assert_eq!(cxone.calls().of(calls::ADD_SKILL_AGENTS), 3);
    let modified = cxone
        .modify_skill_agents(&skill, &agents[..1])
        .await
        .expect("answered");
    assert!(modified.is_clean());
    let removed = cxone
        .delete_skill_agent(&skill, &CxoneId::from(4))
        .await
        .expect("answered");
    assert!(removed.is_clean());
    let writes = shared.writes.lock().expect("lock").clone();
    let sizes: Vec<usize> = writes
        .iter()
        .filter(|(m, _, _)| m == "POST")
        .map(|(_, _, body)| body["agents"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [2, 2, 1]);
    let last = writes.last().expect("delete sent");
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("DELETE", "/inContactAPI/services/v33.0/skills/10/agents/4")
    );
}
