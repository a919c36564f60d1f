//! A user's routing skills and languages: list, add one, update one, remove one, PATCH bulk
//! (upsert, never removes) and, for skills only, PUT bulk (replaces everything: the hazard).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::access::{find_user, read_profile, write_user};
use crate::sim::catalog::{Catalog, DefinitionState};
use crate::sim::error::ApiError;
use crate::sim::extract::{JsonBody, QueryParams};
use crate::sim::kind::Kind;
use crate::sim::org::MAX_ASSIGNMENTS;
use crate::sim::paging::{Listing, PageRequest};
use crate::sim::state::SimState;
use crate::sim::user::{upsert, Assignment, AssignmentState, Profile, UserSlot};
use crate::sim::wire::AssignmentView;

/// Largest page of a user's assignments.
const MAX_PAGE: u32 = 100;

type S = State<Arc<SimState>>;

/// The family of assignments a route serves, as a type, so that one generic handler serves
/// skills and languages alike.
pub trait Family: Send + Sync + 'static {
    /// Which family.
    const KIND: Kind;
}

/// `/routingskills`.
pub struct Skills;

/// `/routinglanguages`.
pub struct Languages;

impl Family for Skills {
    const KIND: Kind = Kind::Skill;
}

impl Family for Languages {
    const KIND: Kind = Kind::Language;
}

/// `{id, proficiency, state}` as the platform takes it; other fields are ignored.
#[derive(Debug, Deserialize)]
pub struct AssignmentBody {
    id: Option<String>,
    proficiency: Option<f64>,
    state: Option<String>,
}

/// Checks one body item against the catalog and returns the assignment it asks for.
fn resolve(
    kind: Kind,
    catalog: &Catalog,
    id: &str,
    body: &AssignmentBody,
) -> Result<Assignment, ApiError> {
    let def = catalog
        .find_str(id)
        .filter(|&def| catalog.get(def).state == DefinitionState::Active)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid.value",
                format!("Invalid {} id [{id}].", kind.noun()),
            )
            .with_detail("invalid.value", Some("id"), Some(id))
        })?;
    let state = match body.state.as_deref() {
        None => AssignmentState::Active,
        Some(s) => AssignmentState::parse(s).ok_or_else(|| {
            ApiError::invalid_value(
                "state",
                format!("Value [{s}] is not valid for field state."),
            )
        })?,
    };
    Ok(Assignment {
        def,
        proficiency: kind.proficiency(body.proficiency)?,
        state,
    })
}

fn check_cap(kind: Kind, profile: &Profile) -> Result<(), ApiError> {
    let count = kind.of(profile).len();
    if count > MAX_ASSIGNMENTS {
        return Err(ApiError::bad_request(format!(
            "A user may hold at most {MAX_ASSIGNMENTS} routing {}s; this request would leave the user with {count}.",
            kind.noun()
        )));
    }
    Ok(())
}

fn check_bulk_size(items: &[AssignmentBody]) -> Result<(), ApiError> {
    if items.len() > MAX_ASSIGNMENTS {
        return Err(ApiError::bad_request(format!(
            "A bulk request may contain at most {MAX_ASSIGNMENTS} items; this one has {}.",
            items.len()
        )));
    }
    Ok(())
}

fn render_one(state: &SimState, kind: Kind, user: &UserSlot, assignment: Assignment) -> Response {
    let catalog = kind.catalog(&state.org).read();
    Json(AssignmentView {
        kind,
        user_id: &user.id_str,
        def: catalog.get(assignment.def),
        assignment,
    })
    .into_response()
}

fn render_page(
    state: &SimState,
    kind: Kind,
    user: &UserSlot,
    profile: &Profile,
    page: PageRequest,
) -> Response {
    let catalog = kind.catalog(&state.org).read();
    let all = kind.of(profile);
    let entities = all[page.range(all.len())]
        .iter()
        .map(|a| AssignmentView {
            kind,
            user_id: &user.id_str,
            def: catalog.get(a.def),
            assignment: *a,
        })
        .collect();
    let path = format!("/api/v2/users/{}/{}", user.id_str, kind.user_segment());
    Json(Listing::new(entities, page, all.len(), &path, "")).into_response()
}

/// `GET …/{routingskills|routinglanguages}`.
pub async fn list<F: Family>(
    State(state): S,
    Path(id): Path<String>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let kind = F::KIND;
    let page = PageRequest::from_query(&params, MAX_PAGE)?;
    let user = find_user(&state, &id)?;
    let profile = read_profile(&state, user);
    Ok(render_page(&state, kind, user, &profile, page))
}

/// `POST …`: adds (or updates) one assignment.
pub async fn add<F: Family>(
    State(state): S,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignmentBody>,
) -> Result<Response, ApiError> {
    let kind = F::KIND;
    let user = find_user(&state, &id)?;
    let def_id = body
        .id
        .clone()
        .ok_or_else(|| ApiError::invalid_value("id", "id is required"))?;
    upsert_one(kind, &state, user, &def_id, &body)
}

/// Adds or updates the assignment `body` asks for under `def_id`.
fn upsert_one(
    kind: Kind,
    state: &SimState,
    user: &UserSlot,
    def_id: &str,
    body: &AssignmentBody,
) -> Result<Response, ApiError> {
    let assignment = resolve(kind, &kind.catalog(&state.org).read(), def_id, body)?;
    write_user(state, user, |profile| {
        upsert(kind.of_mut(profile), assignment);
        check_cap(kind, profile)
    })?;
    Ok(render_one(state, kind, user, assignment))
}

/// `PUT …/routingskills/{skillId}` or `PATCH …/routinglanguages/{languageId}`: one assignment.
pub async fn update<F: Family>(
    State(state): S,
    Path((id, def_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<AssignmentBody>,
) -> Result<Response, ApiError> {
    let kind = F::KIND;
    let user = find_user(&state, &id)?;
    if body.id.as_deref().is_some_and(|body_id| body_id != def_id) {
        return Err(ApiError::invalid_value(
            "id",
            "The id in the body does not match the path.",
        ));
    }
    upsert_one(kind, &state, user, &def_id, &body)
}

/// `DELETE …/{defId}`: removes one assignment; removing one the user does not hold is a no-op.
pub async fn remove<F: Family>(
    State(state): S,
    Path((id, def_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = F::KIND;
    let user = find_user(&state, &id)?;
    let def = kind.catalog(&state.org).read().find_str(&def_id);
    write_user(&state, user, |profile| {
        if let Some(def) = def {
            kind.of_mut(profile).retain(|a| a.def != def);
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PATCH …/bulk`: adds and updates, never removes.
pub async fn patch_bulk<F: Family>(
    State(state): S,
    Path(id): Path<String>,
    JsonBody(items): JsonBody<Vec<AssignmentBody>>,
) -> Result<Response, ApiError> {
    bulk(F::KIND, Bulk::Upsert, state, id, items)
}

/// `PUT …/bulk`: the body becomes the complete set, so anything left out is removed.
pub async fn replace_bulk<F: Family>(
    State(state): S,
    Path(id): Path<String>,
    JsonBody(items): JsonBody<Vec<AssignmentBody>>,
) -> Result<Response, ApiError> {
    bulk(F::KIND, Bulk::Replace, state, id, items)
}

/// What a bulk call does to the assignments its body leaves out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bulk {
    /// Keeps them.
    Upsert,
    /// Removes them.
    Replace,
}

fn bulk(
    kind: Kind,
    mode: Bulk,
    state: Arc<SimState>,
    id: String,
    items: Vec<AssignmentBody>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    check_bulk_size(&items)?;
    let assignments = {
        let catalog = kind.catalog(&state.org).read();
        items
            .iter()
            .map(|item| {
                let def_id = item
                    .id
                    .as_deref()
                    .ok_or_else(|| ApiError::invalid_value("id", "id is required"))?;
                resolve(kind, &catalog, def_id, item)
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let profile = write_user(&state, user, |profile| {
        let list = kind.of_mut(profile);
        if mode == Bulk::Replace {
            list.clear();
        }
        for a in assignments {
            upsert(list, a);
        }
        check_cap(kind, profile)?;
        Ok(profile.clone())
    })?;
    let page = PageRequest {
        size: MAX_ASSIGNMENTS as u32,
        number: 1,
    };
    Ok(render_page(&state, kind, user, &profile, page))
}
