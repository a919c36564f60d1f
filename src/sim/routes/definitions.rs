//! `/api/v2/routing/skills` and `/api/v2/routing/languages`: list (with `name` as a prefix
//! match, deleted entries included), create, get one, soft delete; skills also move between
//! divisions (`PATCH` with the SDK's `UpdateSkillDivisionRequest`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::sim::catalog::CreateError;
use crate::sim::error::ApiError;
use crate::sim::extract::{JsonBody, QueryParams};
use crate::sim::kind::Kind;
use crate::sim::paging::{Listing, PageRequest};
use crate::sim::state::SimState;
use crate::sim::wire::DefinitionView;

const MAX_PAGE: u32 = 500;

/// `GET` list. The platform's `name` filter is a case-insensitive prefix match, so callers
/// must compare exact names themselves.
pub async fn list(
    kind: Kind,
    state: Arc<SimState>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let page = PageRequest::from_query(&params, MAX_PAGE)?;
    let prefix = params.get("name").map(str::to_lowercase);
    let ids = params.list("id");
    let catalog = kind.catalog(&state.org).read();
    let matching: Vec<_> = catalog
        .all()
        .iter()
        .filter(|d| {
            prefix
                .as_ref()
                .is_none_or(|p| d.name.to_lowercase().starts_with(p))
        })
        .filter(|d| ids.is_empty() || ids.contains(&d.id_str))
        .collect();
    let entities = matching[page.range(matching.len())]
        .iter()
        .map(|d| DefinitionView::new(kind, d, state.org.divisions.get(d.division)))
        .collect();
    let mut extra = form_urlencoded::Serializer::new(String::new());
    if let Some(name) = params.get("name") {
        extra.append_pair("name", name);
    }
    Ok(Json(Listing::new(
        entities,
        page,
        matching.len(),
        kind.definitions_path(),
        &extra.finish(),
    ))
    .into_response())
}

/// `{name, divisionId?}` of a new definition: the SDK's `CreateRoutingSkill` (a language's body
/// has no division, so there it is ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    name: Option<String>,
    division_id: Option<String>,
}

/// The division named by a request's `divisionId`: absent means home, unknown is a 400.
fn division_of(state: &SimState, id: Option<&str>) -> Result<u32, ApiError> {
    match id {
        None => Ok(crate::sim::divisions::HOME),
        Some(id) => state.org.divisions.find_str(id).ok_or_else(|| {
            ApiError::invalid_value("divisionId", format!("Division [{id}] does not exist."))
                .with_detail("not.found", Some("divisionId"), Some(id))
        }),
    }
}

/// `POST`: creates a definition; a name already active is a 409.
pub async fn create(
    kind: Kind,
    state: Arc<SimState>,
    body: CreateBody,
) -> Result<Response, ApiError> {
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_value("name", "name is required"))?;
    let division = match kind {
        Kind::Skill => division_of(&state, body.division_id.as_deref())?,
        Kind::Language => crate::sim::divisions::HOME,
    };
    let mut catalog = kind.catalog(&state.org).write();
    match catalog.create(name, division) {
        Ok(idx) => Ok(Json(DefinitionView::new(
            kind,
            catalog.get(idx),
            state.org.divisions.get(division),
        ))
        .into_response()),
        Err(CreateError::DuplicateName) => Err(ApiError::conflict(format!(
            "A routing {} with this name already exists.",
            kind.noun()
        ))),
    }
}

/// `GET` one; a soft-deleted definition is returned with `state: "deleted"`.
pub async fn get(kind: Kind, state: Arc<SimState>, id: String) -> Result<Response, ApiError> {
    let catalog = kind.catalog(&state.org).read();
    let idx = catalog.find_str(&id).ok_or_else(ApiError::not_found)?;
    let def = catalog.get(idx);
    Ok(Json(DefinitionView::new(
        kind,
        def,
        state.org.divisions.get(def.division),
    ))
    .into_response())
}

/// `{divisionId}`: the SDK's `UpdateSkillDivisionRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveBody {
    division_id: Option<String>,
}

/// `PATCH /api/v2/routing/skills/{id}`: moves a skill to another division. Users keep the skill;
/// divisions scope who may see and manage the definition, not who holds it.
pub async fn move_skill(
    state: Arc<SimState>,
    id: String,
    body: MoveBody,
) -> Result<Response, ApiError> {
    let Some(target) = body.division_id.as_deref() else {
        return Err(ApiError::invalid_value(
            "divisionId",
            "divisionId is required",
        ));
    };
    let division = division_of(&state, Some(target))?;
    let mut catalog = state.org.skills.write();
    let idx = catalog.find_str(&id).ok_or_else(ApiError::not_found)?;
    catalog.set_division(idx, division);
    let view = DefinitionView::new(
        Kind::Skill,
        catalog.get(idx),
        state.org.divisions.get(division),
    );
    Ok(Json(view).into_response())
}

/// `DELETE`: soft delete; users lose the assignment, as on the platform.
pub async fn delete(kind: Kind, state: Arc<SimState>, id: String) -> Result<Response, ApiError> {
    let idx = {
        let mut catalog = kind.catalog(&state.org).write();
        let idx = catalog.find_str(&id).ok_or_else(ApiError::not_found)?;
        catalog.delete(idx);
        idx
    };
    for user in &state.org.users {
        let mut data = user.data.lock();
        kind.of_mut(&mut data.profile).retain(|a| a.def != idx);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Route handlers bound to one [`Kind`].
pub mod handlers {
    use super::*;

    type S = State<Arc<SimState>>;

    /// Skills list.
    pub async fn list_skills(State(s): S, q: QueryParams) -> Result<Response, ApiError> {
        list(Kind::Skill, s, q).await
    }
    /// Languages list.
    pub async fn list_languages(State(s): S, q: QueryParams) -> Result<Response, ApiError> {
        list(Kind::Language, s, q).await
    }
    /// Create a skill.
    pub async fn create_skill(
        State(s): S,
        JsonBody(b): JsonBody<CreateBody>,
    ) -> Result<Response, ApiError> {
        create(Kind::Skill, s, b).await
    }
    /// Create a language.
    pub async fn create_language(
        State(s): S,
        JsonBody(b): JsonBody<CreateBody>,
    ) -> Result<Response, ApiError> {
        create(Kind::Language, s, b).await
    }
    /// One skill.
    pub async fn get_skill(State(s): S, Path(id): Path<String>) -> Result<Response, ApiError> {
        get(Kind::Skill, s, id).await
    }
    /// One language.
    pub async fn get_language(State(s): S, Path(id): Path<String>) -> Result<Response, ApiError> {
        get(Kind::Language, s, id).await
    }
    /// Move a skill to another division.
    pub async fn move_skill(
        State(s): S,
        Path(id): Path<String>,
        JsonBody(b): JsonBody<MoveBody>,
    ) -> Result<Response, ApiError> {
        super::move_skill(s, id, b).await
    }
    /// Delete a skill.
    pub async fn delete_skill(State(s): S, Path(id): Path<String>) -> Result<Response, ApiError> {
        delete(Kind::Skill, s, id).await
    }
    /// Delete a language.
    pub async fn delete_language(
        State(s): S,
        Path(id): Path<String>,
    ) -> Result<Response, ApiError> {
        delete(Kind::Language, s, id).await
    }
}
