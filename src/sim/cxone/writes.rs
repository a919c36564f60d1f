//! Writes: per agent (`agents/{agentId}/skills`: add, modify, remove several skills) and per skill
//! (`skills/{skillId}/agents`: add or modify several agents, remove one). Bodies are wrapped
//! objects; a malformed body is a 400, but a bad *item* (a skill the agent already has or lacks,
//! an unknown id, a proficiency outside 1–20, an injected item fault) fails inside a 200
//! `resultSet` while the other items are applied.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use rand::Rng;
use serde_json::{json, Value};

use super::org::{Held, PROFICIENCY};
use super::reads::{find_agent, id};
use super::CxState;
use crate::sim::error::ApiError;
use crate::sim::extract::JsonBody;

/// The platform's message for a root-level array.
pub const ROOT_ARRAY: &str = "Invalid request body. Expected object, but got array.";

/// The message of an item failed by `item_fail_next` or `item_failure_rate`.
pub const INJECTED: &str = "Simulated failure: the item could not be processed.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Modify,
    Remove,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The items under `wrapper` in `{wrapper: [...]}`.
fn wrapped(body: Value, wrapper: &str) -> Result<Vec<Value>, ApiError> {
    let mut object = match body {
        Value::Object(o) => o,
        Value::Array(_) => return Err(ApiError::bad_request(ROOT_ARRAY)),
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid request body. Expected object, but got {}.",
                json_kind(&other)
            )))
        }
    };
    match object.remove(wrapper) {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items),
        Some(Value::Array(_)) => Err(ApiError::bad_request(format!(
            "Invalid request body. '{wrapper}' must not be empty."
        ))),
        _ => Err(ApiError::bad_request(format!(
            "Invalid request body. '{wrapper}' is required and must be an array."
        ))),
    }
}

fn item_id(item: &Value, field: &str) -> Option<u32> {
    item.get(field)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// Applies one item; `Err` is the item's `errorMessage`.
fn apply(
    state: &CxState,
    op: Op,
    agent_id: Option<u32>,
    skill_id: Option<u32>,
    item: &Value,
) -> Result<(), String> {
    let faults = state.shared.faults();
    if state.shared.take_forced_item_failure() || rand::rng().random_bool(faults.item_failure_rate)
    {
        return Err(INJECTED.into());
    }
    let agent_id = agent_id.ok_or("agentId is required and must be a number.")?;
    let skill_id = skill_id.ok_or("skillId is required and must be a number.")?;
    let agent = state
        .org
        .agent(agent_id)
        .ok_or_else(|| format!("Agent {agent_id} not found."))?;
    state
        .org
        .skill(skill_id)
        .ok_or_else(|| format!("Skill {skill_id} not found."))?;
    let proficiency = match item.get("proficiency") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|p| PROFICIENCY.contains(p))
                .ok_or_else(|| {
                    format!("Invalid proficiency {v}: must be a whole number from 1 to 20.")
                })? as u8,
        ),
    };
    let active = match item.get("isActive") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_bool().ok_or("isActive must be true or false.")?),
    };
    let lag = std::time::Duration::from_millis(faults.lag_ms);
    agent.data.lock().write(Instant::now(), lag, |skills| {
        // Stamped under the agent's lock, so a read that missed this change began before it.
        let now = Utc::now();
        let at = skills.iter().position(|h| h.skill == skill_id);
        match (op, at) {
            (Op::Add, Some(_)) => Err(format!("Agent {agent_id} already has skill {skill_id}.")),
            (Op::Add, None) => {
                skills.push(Held {
                    skill: skill_id,
                    proficiency: proficiency.ok_or("proficiency is required.")?,
                    active: active.unwrap_or(true),
                    updated: now,
                });
                Ok(())
            }
            (_, None) => Err(format!("Agent {agent_id} does not have skill {skill_id}.")),
            (Op::Modify, Some(i)) => {
                let held = &mut skills[i];
                if let Some(p) = proficiency {
                    held.proficiency = p;
                }
                if let Some(a) = active {
                    held.active = a;
                }
                held.updated = now;
                Ok(())
            }
            (Op::Remove, Some(i)) => {
                skills.remove(i);
                Ok(())
            }
        }
    })
}

fn outcome(result: Result<(), String>, agent: Option<u32>, skill: Option<u32>) -> Value {
    json!({
        "agentId": agent,
        "skillId": skill,
        "success": result.is_ok(),
        "errorMessage": result.err(),
    })
}

fn result_set(key: &str, results: Vec<Value>) -> Response {
    let errors = results.iter().filter(|r| r["success"] == false).count();
    Json(json!({"resultSet": {"errorCount": errors, key: results}})).into_response()
}

fn per_agent(state: &CxState, raw_agent: &str, body: Value, op: Op) -> Result<Response, ApiError> {
    let agent = find_agent(state, raw_agent)?.id;
    let results = wrapped(body, "skills")?
        .iter()
        .map(|item| {
            let skill = item_id(item, "skillId");
            outcome(
                apply(state, op, Some(agent), skill, item),
                Some(agent),
                skill,
            )
        })
        .collect();
    Ok(result_set("skillResults", results))
}

fn per_skill(state: &CxState, raw_skill: &str, body: Value, op: Op) -> Result<Response, ApiError> {
    let skill = state
        .org
        .skill(id(raw_skill)?)
        .ok_or_else(ApiError::not_found)?
        .id;
    let results = wrapped(body, "agents")?
        .iter()
        .map(|item| {
            let agent = item_id(item, "agentId");
            outcome(
                apply(state, op, agent, Some(skill), item),
                agent,
                Some(skill),
            )
        })
        .collect();
    Ok(result_set("agentResults", results))
}

type Ids = Path<(String, String)>;

/// `POST …/agents/{agentId}/skills` `{"skills":[{"skillId","proficiency","isActive"}]}`.
pub async fn agent_add(
    State(state): State<Arc<CxState>>,
    Path((_, agent)): Ids,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    per_agent(&state, &agent, body, Op::Add)
}

/// `PUT …/agents/{agentId}/skills`: changes proficiency and/or `isActive` of held skills.
pub async fn agent_modify(
    State(state): State<Arc<CxState>>,
    Path((_, agent)): Ids,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    per_agent(&state, &agent, body, Op::Modify)
}

/// `DELETE …/agents/{agentId}/skills` `{"skills":[{"skillId"}]}`.
pub async fn agent_remove(
    State(state): State<Arc<CxState>>,
    Path((_, agent)): Ids,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    per_agent(&state, &agent, body, Op::Remove)
}

/// `POST …/skills/{skillId}/agents` `{"agents":[{"agentId","proficiency","isActive"}]}`.
pub async fn skill_add(
    State(state): State<Arc<CxState>>,
    Path((_, skill)): Ids,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    per_skill(&state, &skill, body, Op::Add)
}

/// `PUT …/skills/{skillId}/agents`.
pub async fn skill_modify(
    State(state): State<Arc<CxState>>,
    Path((_, skill)): Ids,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    per_skill(&state, &skill, body, Op::Modify)
}

/// `DELETE …/skills/{skillId}/agents/{agentId}`: one agent, answered like the batch writes.
pub async fn skill_remove(
    State(state): State<Arc<CxState>>,
    Path((_, skill, agent)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let skill = state
        .org
        .skill(id(&skill)?)
        .ok_or_else(ApiError::not_found)?
        .id;
    let agent = find_agent(&state, &agent)?.id;
    let result = apply(&state, Op::Remove, Some(agent), Some(skill), &Value::Null);
    Ok(result_set(
        "agentResults",
        vec![outcome(result, Some(agent), Some(skill))],
    ))
}
