//! `/sim/*`: the simulator's own controls, not part of the platform API. Unauthenticated, for
//! local use: stats, faults, a user's true state, and changes "made in the web UI".

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use time::OffsetDateTime;

use super::access::{admin_write, find_user};
use crate::sim::catalog::{Catalog, DefinitionState};
use crate::sim::config::Faults;
use crate::sim::dynamics;
use crate::sim::error::ApiError;
use crate::sim::extract::JsonBody;
use crate::sim::kind::Kind;
use crate::sim::names;
use crate::sim::org::MAX_ASSIGNMENTS;
use crate::sim::routing::{ActivityCategory, RoutingStatus};
use crate::sim::state::SimState;
use crate::sim::user::{upsert, Assignment, AssignmentState};

/// `GET /sim/stats`.
pub async fn stats(State(state): State<Arc<SimState>>) -> Response {
    Json(state.stats.report()).into_response()
}

/// `POST /sim/stats/reset`.
pub async fn reset_stats(State(state): State<Arc<SimState>>) -> Response {
    state.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /sim/tokens/revoke`: every issued token stops working (401 `bad.credentials`).
pub async fn revoke_tokens(State(state): State<Arc<SimState>>) -> Response {
    state.revoke_tokens();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /sim/faults`.
pub async fn faults(State(state): State<Arc<SimState>>) -> Response {
    Json(state.faults()).into_response()
}

/// `POST /sim/faults`: the given fields replace the current ones; the rest stay.
pub async fn set_faults(
    State(state): State<Arc<SimState>>,
    JsonBody(patch): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let mut merged = serde_json::to_value(state.faults()).map_err(ApiError::malformed_body)?;
    if let Some(current) = merged.as_object_mut() {
        current.extend(patch);
    }
    let faults: Faults = serde_json::from_value(merged).map_err(ApiError::malformed_body)?;
    faults.validate().map_err(ApiError::bad_request)?;
    let reshare = faults.busy_share != state.faults().busy_share;
    state.set_faults(faults);
    if reshare {
        dynamics::apply_busy_share(
            &state.org,
            state.config.seed,
            faults.busy_share,
            OffsetDateTime::now_utc(),
        );
    }
    Ok(Json(state.faults()).into_response())
}

/// `{divisionId}` for `POST /sim/users/{id}/division`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveUser {
    division_id: Option<String>,
}

/// `POST /sim/users/{id}/division`: an administrator moves a user to another division. Not a
/// profile write: the version stays, as skill writes are what clients version against.
pub async fn set_division(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MoveUser>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let target = body
        .division_id
        .as_deref()
        .ok_or_else(|| ApiError::invalid_value("divisionId", "divisionId is required"))?;
    let division = state.org.divisions.find_str(target).ok_or_else(|| {
        ApiError::invalid_value("divisionId", format!("Division [{target}] does not exist."))
    })?;
    user.division
        .store(division, std::sync::atomic::Ordering::Relaxed);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /sim/users/{id}`: the true current state, ignoring lag and expansion faults.
pub async fn user(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let (profile, presence) = {
        let data = user.data.lock();
        (data.profile.clone(), data.presence)
    };
    let render = |kind: Kind| {
        let catalog = kind.catalog(&state.org).read();
        kind.of(&profile)
            .iter()
            .map(|a| {
                serde_json::json!({
                    "id": catalog.get(a.def).id_str,
                    "name": catalog.get(a.def).name,
                    "proficiency": f64::from(a.proficiency),
                    "state": a.state.as_str(),
                })
            })
            .collect::<Vec<_>>()
    };
    Ok(Json(serde_json::json!({
        "id": user.id_str,
        "email": names::email(user.index),
        "employeeId": names::employee_id(user.index),
        "version": profile.version,
        "skills": render(Kind::Skill),
        "languages": render(Kind::Language),
        "certifications": profile.certifications,
        "routingStatus": presence.status.as_str(),
        "activity": presence.activity.as_str(),
    }))
    .into_response())
}

/// One skill set by an administrator, named or by id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSkill {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    proficiency: f64,
}

/// `POST /sim/users/{id}/skills` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminChange {
    /// Skills to add or re-rate.
    #[serde(default)]
    skills: Vec<AdminSkill>,
    /// Skills (names or ids) to take away.
    #[serde(default)]
    remove: Vec<String>,
}

fn lookup(catalog: &Catalog, key: &str) -> Result<u32, ApiError> {
    catalog
        .find_str(key)
        .filter(|&d| catalog.get(d).state == DefinitionState::Active)
        .or_else(|| catalog.find_active_by_name(key))
        .ok_or_else(|| ApiError::invalid_value("skills", format!("No active skill [{key}].")))
}

/// `POST /sim/users/{id}/skills`: changes a user the way an admin would in the web UI, so tests
/// can create drift that skillsync must notice.
pub async fn change_skills(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<AdminChange>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let (set, remove) = {
        let catalog = state.org.skills.read();
        let set = change
            .skills
            .iter()
            .map(|s| {
                let key = s.id.as_deref().or(s.name.as_deref()).unwrap_or_default();
                Ok(Assignment {
                    def: lookup(&catalog, key)?,
                    proficiency: Kind::Skill.proficiency(Some(s.proficiency))?,
                    state: AssignmentState::Active,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let remove = change
            .remove
            .iter()
            .map(|key| lookup(&catalog, key))
            .collect::<Result<Vec<_>, ApiError>>()?;
        (set, remove)
    };
    admin_write(&state, user, |profile| {
        profile.skills.retain(|a| !remove.contains(&a.def));
        for a in set {
            upsert(&mut profile.skills, a);
        }
        if profile.skills.len() > MAX_ASSIGNMENTS {
            return Err(ApiError::bad_request(
                "A user may hold at most 50 routing skills.",
            ));
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /sim/users/{id}/routingstatus` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetRoutingStatus {
    status: String,
}

fn parse_status(status: &str) -> Result<RoutingStatus, ApiError> {
    RoutingStatus::parse(status).ok_or_else(|| {
        ApiError::invalid_value(
            "status",
            format!(
                "Value [{status}] is not valid for field status. Allowable values are: {}",
                RoutingStatus::allowed()
            ),
        )
    })
}

/// `POST /sim/users/{id}/routingstatus`: the agent changes routing status now (an agent's own
/// doing, not an API write: no version bump, not counted).
pub async fn set_routing_status(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SetRoutingStatus>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let status = parse_status(&body.status)?;
    user.data
        .lock()
        .presence
        .set_status(status, OffsetDateTime::now_utc());
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /sim/routingstatus` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SetRoutingStatuses {
    status: String,
    user_ids: Vec<String>,
}

/// `POST /sim/routingstatus`: many agents at once; all or nothing, so an unknown id changes no one.
pub async fn set_routing_statuses(
    State(state): State<Arc<SimState>>,
    JsonBody(body): JsonBody<SetRoutingStatuses>,
) -> Result<Response, ApiError> {
    let status = parse_status(&body.status)?;
    let users = body
        .user_ids
        .iter()
        .map(|id| find_user(&state, id))
        .collect::<Result<Vec<_>, _>>()?;
    let now = OffsetDateTime::now_utc();
    for user in users {
        user.data.lock().presence.set_status(status, now);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /sim/users/{id}/activity` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetActivity {
    category: String,
}

/// `POST /sim/users/{id}/activity`: WFM now schedules the agent for this activity category.
pub async fn set_activity(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SetActivity>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let category = ActivityCategory::parse(&body.category).ok_or_else(|| {
        ApiError::invalid_value(
            "category",
            format!(
                "Value [{}] is not valid for field category. Allowable values are: {}",
                body.category,
                ActivityCategory::allowed()
            ),
        )
    })?;
    user.data.lock().presence.activity = category;
    Ok(StatusCode::NO_CONTENT.into_response())
}
