//! `/sim/users*` for CXone: the agent ids, an agent's true assignments (ignoring lag) on CXone's
//! scale, and changes "made in the CXone UI" — not API calls, but they bump `lastUpdateTime` and
//! lag for readers like any other change.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;

use super::org::{Held, PROFICIENCY};
use super::reads::find_agent;
use super::wire;
use super::CxState;
use crate::sim::error::ApiError;
use crate::sim::extract::JsonBody;

/// `GET /sim/users`: every `agentId`, in order.
pub async fn users(State(state): State<Arc<CxState>>) -> Response {
    Json(state.org.agents.iter().map(|a| a.id).collect::<Vec<_>>()).into_response()
}

/// `GET /sim/users/{agentId}`.
pub async fn truth(
    State(state): State<Arc<CxState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let agent = find_agent(&state, &id)?;
    let skills: Vec<_> = agent
        .data
        .lock()
        .skills
        .iter()
        .map(|h| {
            serde_json::json!({
                "skillId": h.skill,
                "name": state.org.skill(h.skill).map(super::org::Skill::name),
                "proficiency": h.proficiency,
                "isActive": h.active,
                "lastUpdateTime": wire::time(h.updated),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "agentId": agent.id,
        "emailAddress": agent.email(),
        "skills": skills,
    }))
    .into_response())
}

/// A skill by `skillId` or by name.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SkillRef {
    /// `skillId`.
    Id(u32),
    /// Skill name.
    Name(String),
}

/// One skill to add or re-rate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdminSkill {
    #[serde(default)]
    id: Option<u32>,
    #[serde(default)]
    name: Option<String>,
    proficiency: i64,
    #[serde(default)]
    is_active: Option<bool>,
}

/// `POST /sim/users/{agentId}/skills` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminChange {
    #[serde(default)]
    skills: Vec<AdminSkill>,
    #[serde(default)]
    remove: Vec<SkillRef>,
}

fn lookup(state: &CxState, id: Option<u32>, name: Option<&str>) -> Result<u32, ApiError> {
    let found = match (id, name) {
        (Some(id), _) => state.org.skill(id),
        (None, Some(name)) => state.org.skill_named(name),
        (None, None) => None,
    };
    found
        .map(|s| s.id)
        .ok_or_else(|| ApiError::invalid_value("skills", "No such skill."))
}

/// `POST /sim/users/{agentId}/skills`: sets (adds or changes) and removes skills; every changed
/// assignment gets a new `lastUpdateTime`.
pub async fn change_skills(
    State(state): State<Arc<CxState>>,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<AdminChange>,
) -> Result<Response, ApiError> {
    let agent = find_agent(&state, &id)?;
    let mut set = Vec::new();
    for s in &change.skills {
        if !PROFICIENCY.contains(&s.proficiency) {
            return Err(ApiError::invalid_value(
                "proficiency",
                "Proficiency must be from 1 to 20.",
            ));
        }
        let skill = lookup(&state, s.id, s.name.as_deref())?;
        set.push((skill, s.proficiency as u8, s.is_active.unwrap_or(true)));
    }
    let remove = change
        .remove
        .iter()
        .map(|r| match r {
            SkillRef::Id(id) => lookup(&state, Some(*id), None),
            SkillRef::Name(name) => lookup(&state, None, Some(name)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let lag = state.lag();
    agent
        .data
        .lock()
        .write::<_, ApiError>(Instant::now(), lag, |skills| {
            let now = Utc::now();
            skills.retain(|h| !remove.contains(&h.skill));
            for (skill, proficiency, active) in set {
                let held = Held {
                    skill,
                    proficiency,
                    active,
                    updated: now,
                };
                match skills.iter_mut().find(|h| h.skill == skill) {
                    Some(existing) => *existing = held,
                    None => skills.push(held),
                }
            }
            Ok(())
        })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
