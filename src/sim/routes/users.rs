//! `/api/v2/users`: paged listing with best-effort expansion, one user, and the versioned PATCH.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde::Deserialize;

use super::access::{find_user, read_profile, write_user};
use crate::sim::error::{ApiError, VERSION_MISMATCH};
use crate::sim::extract::{JsonBody, QueryParams};
use crate::sim::paging::{Listing, PageRequest};
use crate::sim::state::SimState;
use crate::sim::user::UserSlot;
use crate::sim::wire::{Catalogs, Expand, UserView};

/// `GET /api/v2/users`.
pub async fn list(
    State(state): State<Arc<SimState>>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let page = PageRequest::from_query(&params, state.config.max_users_page_size)?;
    let expand = Expand::parse(&params.list("expand"));
    let include_all = match params.get("state").unwrap_or("active") {
        "active" | "any" => true,
        "inactive" | "deleted" => false,
        other => {
            return Err(ApiError::invalid_value(
                "state",
                format!("Value [{other}] is not valid for field state. Allowable values are: active, inactive, deleted, any"),
            ))
        }
    };
    let descending = params
        .get("sortOrder")
        .is_some_and(|s| s.eq_ignore_ascii_case("desc"));
    let ids = params.list("id");

    let org = &state.org;
    let mut selected: Vec<&UserSlot> = if !include_all {
        Vec::new()
    } else if ids.is_empty() {
        org.users.iter().collect()
    } else {
        let mut found: Vec<&UserSlot> = ids.iter().filter_map(|id| org.user(id)).collect();
        found.sort_by_key(|u| u.index);
        found.dedup_by_key(|u| u.index);
        found
    };
    if descending {
        selected.reverse();
    }
    let total = selected.len();
    let missing_rate = state.faults().expand_missing_rate;

    let skills = org.skills.read();
    let languages = org.languages.read();
    let catalogs = Catalogs {
        skills: skills.all(),
        languages: languages.all(),
    };
    let mut rng = rand::rng();
    let entities = selected[page.range(total)]
        .iter()
        .map(|user| {
            // Best effort, as documented: some users come back without their expansions.
            let expand = if rng.random_bool(missing_rate) {
                Expand::default()
            } else {
                expand
            };
            let profile = read_profile(&state, user);
            UserView::new(user, &profile, expand, &catalogs, org.user_division(user))
        })
        .collect();
    let extra = links_query(&params);
    Ok(Json(Listing::new(entities, page, total, "/api/v2/users", &extra)).into_response())
}

/// The query parameters other than paging, re-encoded for the listing's links.
fn links_query(params: &QueryParams) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for key in ["expand", "state", "sortOrder"] {
        if let Some(v) = params.get(key) {
            out.append_pair(key, v);
        }
    }
    let ids = params.list("id");
    if !ids.is_empty() {
        out.append_pair("id", &ids.join(","));
    }
    out.finish()
}

/// `GET /api/v2/users/{id}`.
pub async fn get(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let profile = read_profile(&state, user);
    let expand = Expand::parse(&params.list("expand"));
    render_user(&state, user, &profile, expand)
}

fn render_user(
    state: &SimState,
    user: &UserSlot,
    profile: &crate::sim::user::Profile,
    expand: Expand,
) -> Result<Response, ApiError> {
    let skills = state.org.skills.read();
    let languages = state.org.languages.read();
    let catalogs = Catalogs {
        skills: skills.all(),
        languages: languages.all(),
    };
    Ok(Json(UserView::new(
        user,
        profile,
        expand,
        &catalogs,
        state.org.user_division(user),
    ))
    .into_response())
}

/// The fields of `UpdateUser` the simulator acts on; others are accepted and ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    version: Option<u32>,
    certifications: Option<Vec<String>>,
}

/// `PATCH /api/v2/users/{id}`: requires the current `version`.
pub async fn patch(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateUser>,
) -> Result<Response, ApiError> {
    let user = find_user(&state, &id)?;
    let profile = write_user(&state, user, |profile| {
        if body.version != Some(profile.version) {
            return Err(ApiError::conflict(VERSION_MISMATCH));
        }
        if let Some(certifications) = body.certifications {
            profile.certifications = certifications;
        }
        Ok(())
    })
    .map(|()| user.data.lock().profile.clone())?;
    let expand = Expand {
        certifications: true,
        ..Expand::default()
    };
    render_user(&state, user, &profile, expand)
}
