//! The listings: agents, skills, every assignment (optionally only those changed since a time),
//! one agent's assignments, and the agents holding one skill. Paged with `skip`/`top` and
//! `_links.next`; reads inside the lag window after a write may see the assignments before it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use super::org::{Agent, Held, Skill};
use super::page::Page;
use super::wire;
use super::CxState;
use crate::sim::error::ApiError;
use crate::sim::extract::QueryParams;

/// Parses an id path segment; anything but a number is an unknown resource.
pub fn id(raw: &str) -> Result<u32, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// The agent with this path id, or 404.
pub fn find_agent<'a>(state: &'a CxState, raw: &str) -> Result<&'a Agent, ApiError> {
    state.org.agent(id(raw)?).ok_or_else(ApiError::not_found)
}

fn max_top(state: &CxState) -> u32 {
    state.shared.config.max_users_page_size
}

fn with_poll_time(mut body: Value) -> Response {
    body["lastPollTime"] = json!(wire::time(Utc::now()));
    Json(body).into_response()
}

/// `isActive=true|false` as a filter; absent means both.
fn is_active(q: &QueryParams) -> Result<Option<bool>, ApiError> {
    match q.get("isActive") {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| {
            ApiError::invalid_value("isActive", format!("Invalid value [{raw}] for isActive."))
        }),
    }
}

/// `GET …/agents?skip&top&isActive`: every seeded agent is active.
pub async fn agents(
    State(state): State<Arc<CxState>>,
    q: QueryParams,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let page = Page::from_query(&q, max_top(&state))?;
    let agents: &[Agent] = match is_active(&q)? {
        Some(false) => &[],
        _ => &state.org.agents,
    };
    Ok(with_poll_time(page.wrap(
        "agents",
        agents,
        wire::agent,
        &headers,
        &uri,
    )))
}

/// `GET …/skills?skip&top&isActive`.
pub async fn skills(
    State(state): State<Arc<CxState>>,
    q: QueryParams,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let page = Page::from_query(&q, max_top(&state))?;
    let wanted = is_active(&q)?;
    let skills: Vec<&Skill> = state
        .org
        .skills
        .iter()
        .filter(|s| wanted.is_none_or(|w| s.active() == w))
        .collect();
    let render = |s: &&Skill| wire::skill(s);
    Ok(with_poll_time(
        page.wrap("skills", &skills, render, &headers, &uri),
    ))
}

/// `GET …/agents/skills?skip&top&updatedSince`: every assignment, agent by agent; with
/// `updatedSince`, only those whose `lastUpdateTime` is after it. Removed assignments are not
/// reported incrementally (whether the platform reports them is unconfirmed).
pub async fn assignments(
    State(state): State<Arc<CxState>>,
    q: QueryParams,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let page = Page::from_query(&q, max_top(&state))?;
    let since = q
        .get("updatedSince")
        .map(|raw| wire::parse_time("updatedSince", raw))
        .transpose()?;
    let poll_time = Utc::now();
    let reader = state.reader();
    let mut items = Vec::new();
    for agent in &state.org.agents {
        for held in reader.read(agent) {
            if since.is_none_or(|since| held.updated > since) {
                items.push((agent, held));
            }
        }
    }
    let render = |(agent, held): &(&Agent, Held)| wire::assignment(&state.org, agent, held);
    let mut body = page.wrap("agentSkillAssignments", &items, render, &headers, &uri);
    body["lastPollTime"] = json!(wire::time(poll_time));
    Ok(Json(body).into_response())
}

/// `GET …/agents/{agentId}/skills`: the agent's assignments at the top level.
pub async fn agent_skills(
    State(state): State<Arc<CxState>>,
    Path((_, agent_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let agent = find_agent(&state, &agent_id)?;
    let items: Vec<Value> = state
        .reader()
        .read(agent)
        .iter()
        .map(|h| wire::assignment(&state.org, agent, h))
        .collect();
    Ok(with_poll_time(json!({
        "totalRecords": items.len(),
        "agentSkillAssignments": items,
    })))
}

/// `GET …/skills/{skillId}/agents`: every agent holding the skill.
pub async fn skill_agents(
    State(state): State<Arc<CxState>>,
    Path((_, skill_id)): Path<(String, String)>,
    q: QueryParams,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let skill = state
        .org
        .skill(id(&skill_id)?)
        .ok_or_else(ApiError::not_found)?;
    let page = Page::from_query(&q, max_top(&state))?;
    let reader = state.reader();
    let items: Vec<(&Agent, Held)> = state
        .org
        .agents
        .iter()
        .filter_map(|agent| {
            let held = reader
                .read(agent)
                .into_iter()
                .find(|h| h.skill == skill.id)?;
            Some((agent, held))
        })
        .collect();
    let render = |(agent, held): &(&Agent, Held)| wire::assignment(&state.org, agent, held);
    Ok(with_poll_time(page.wrap(
        "agentSkillAssignments",
        &items,
        render,
        &headers,
        &uri,
    )))
}
