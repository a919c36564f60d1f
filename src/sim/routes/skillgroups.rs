//! `/api/v2/routing/skillgroups`: cursor-paged listing (`SkillGroupEntityListing` of
//! `SkillGroupDefinition`), one group (`SkillGroup`), its members (`SkillGroupMemberEntityListing`
//! of `UserReferenceWithName`), create (`SkillGroupWithMemberDivisions`), PATCH (`SkillGroup`) and
//! DELETE. Members are computed on every read from users' current skills; groups assign nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::sim::conditions::{validate, Holdings, SkillCondition};
use crate::sim::divisions::HOME;
use crate::sim::error::ApiError;
use crate::sim::extract::{JsonBody, QueryParams};
use crate::sim::names;
use crate::sim::paging::CursorRequest;
use crate::sim::skillgroups::{GroupError, NewGroup, SkillGroup};
use crate::sim::state::SimState;
use crate::sim::user::UserSlot;
use crate::sim::wire::DivisionRef;

const PATH: &str = "/api/v2/routing/skillgroups";
const MAX_PAGE: u32 = 100;

/// The users `group` selects now, in user order.
fn members<'a>(state: &'a SimState, group: &SkillGroup) -> Vec<&'a UserSlot> {
    let skills = state.org.skills.read();
    let languages = state.org.languages.read();
    state
        .org
        .users
        .iter()
        .filter(|u| {
            let division = u.division.load(std::sync::atomic::Ordering::Relaxed);
            group
                .member_divisions
                .as_ref()
                .is_none_or(|ds| ds.contains(&division))
        })
        .filter(|u| {
            let data = u.data.lock();
            Holdings {
                profile: &data.profile,
                skills: skills.all(),
                languages: languages.all(),
            }
            .satisfy(&group.conditions)
        })
        .collect()
}

/// The fields of `SkillGroup`, with `skillConditions` only on single reads (the listing's
/// `SkillGroupDefinition` has none) and `memberDivisions` only on create.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    division: Option<DivisionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    member_count: usize,
    date_modified: String,
    date_created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skill_conditions: Option<Vec<SkillCondition>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member_divisions: Option<Vec<String>>,
    self_uri: String,
}

fn stamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn view(state: &SimState, group: &SkillGroup, full: bool) -> GroupView {
    GroupView {
        id: group.id_str.clone(),
        name: group.name.clone(),
        division: DivisionRef::new(state.org.divisions.get(group.division)),
        description: group.description.clone(),
        member_count: members(state, group).len(),
        date_modified: stamp(group.date_modified),
        date_created: stamp(group.date_created),
        status: full.then_some("Complete"),
        skill_conditions: full.then(|| group.conditions.clone()),
        member_divisions: None,
        self_uri: format!("{PATH}/{}", group.id_str),
    }
}

/// A group copied out, so that no handler holds the groups lock while it reads users.
fn find(state: &SimState, id: &str) -> Result<SkillGroup, ApiError> {
    let groups = state.org.skill_groups.read();
    let idx = groups.find_str(id).ok_or_else(ApiError::not_found)?;
    groups.get(idx).cloned().ok_or_else(ApiError::not_found)
}

/// `GET /api/v2/routing/skillgroups`: `name` is a case-insensitive prefix (SDK docstring).
pub async fn list(
    State(state): State<Arc<SimState>>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let request = CursorRequest::from_query(&params, MAX_PAGE)?;
    let prefix = params.get("name").map(str::to_lowercase);
    let groups: Vec<SkillGroup> = state
        .org
        .skill_groups
        .read()
        .all()
        .iter()
        .filter(|g| {
            prefix
                .as_ref()
                .is_none_or(|p| g.name.to_lowercase().starts_with(p))
        })
        .cloned()
        .collect();
    let mut extra = form_urlencoded::Serializer::new(String::new());
    if let Some(name) = params.get("name") {
        extra.append_pair("name", name);
    }
    let listing = request.page(groups.len(), PATH, &extra.finish(), |range| {
        groups[range]
            .iter()
            .map(|g| view(&state, g, false))
            .collect()
    });
    Ok(Json(listing).into_response())
}

/// `GET /api/v2/routing/skillgroups/{id}`.
pub async fn get(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let group = find(&state, &id)?;
    Ok(Json(view(&state, &group, true)).into_response())
}

/// `UserReferenceWithName`; `name` only with `expand=name` ("Expand the name on each user").
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MemberView<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    self_uri: String,
}

/// `GET /api/v2/routing/skillgroups/{id}/members`.
pub async fn list_members(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let request = CursorRequest::from_query(&params, MAX_PAGE)?;
    let with_name = params.list("expand").iter().any(|e| e == "name");
    let group = find(&state, &id)?;
    let users = members(&state, &group);
    let path = format!("{PATH}/{}/members", group.id_str);
    let extra = if with_name { "expand=name" } else { "" };
    let listing = request.page(users.len(), &path, extra, |range| {
        users[range]
            .iter()
            .map(|u| MemberView {
                id: &u.id_str,
                name: with_name.then(|| names::person_name(u.index)),
                self_uri: format!("/api/v2/users/{}", u.id_str),
            })
            .collect()
    });
    Ok(Json(listing).into_response())
}

/// `{id}` of a division reference in a body.
#[derive(Debug, Deserialize)]
pub struct DivisionInput {
    id: Option<String>,
}

/// The writable fields of `SkillGroupWithMemberDivisions` (POST) and `SkillGroup` (PATCH).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupBody {
    name: Option<String>,
    description: Option<String>,
    division: Option<DivisionInput>,
    skill_conditions: Option<Vec<SkillCondition>>,
    member_divisions: Option<Vec<String>>,
}

fn division_index(state: &SimState, input: Option<&DivisionInput>) -> Result<u32, ApiError> {
    let Some(id) = input.and_then(|d| d.id.as_deref()) else {
        return Ok(HOME);
    };
    state.org.divisions.find_str(id).ok_or_else(|| {
        ApiError::invalid_value("division", format!("Division [{id}] does not exist.")).with_detail(
            "not.found",
            Some("division.id"),
            Some(id),
        )
    })
}

/// `memberDivisions`: division ids, or `*` for all (`None`).
fn member_divisions(state: &SimState, ids: &[String]) -> Result<Option<Vec<u32>>, ApiError> {
    if ids.iter().any(|i| i == "*") {
        return Ok(None);
    }
    ids.iter()
        .map(|id| {
            state.org.divisions.find_str(id).ok_or_else(|| {
                ApiError::invalid_value(
                    "memberDivisions",
                    format!("Division [{id}] does not exist."),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn check_conditions(state: &SimState, conditions: &[SkillCondition]) -> Result<(), ApiError> {
    let skills = state.org.skills.read();
    let languages = state.org.languages.read();
    validate(conditions, skills.all(), languages.all())
}

fn duplicate() -> ApiError {
    ApiError::conflict("A skill group with this name already exists.")
}

/// `POST /api/v2/routing/skillgroups`.
pub async fn create(
    State(state): State<Arc<SimState>>,
    JsonBody(body): JsonBody<GroupBody>,
) -> Result<Response, ApiError> {
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_value("name", "name is required"))?;
    let conditions = body
        .skill_conditions
        .ok_or_else(|| ApiError::invalid_value("skillConditions", "skillConditions is required"))?;
    check_conditions(&state, &conditions)?;
    let division = division_index(&state, body.division.as_ref())?;
    let member_divisions = match &body.member_divisions {
        Some(ids) => member_divisions(&state, ids)?,
        None => None,
    };
    let group = state
        .org
        .skill_groups
        .write()
        .create(NewGroup {
            name,
            description: body.description,
            division,
            conditions,
            member_divisions,
        })
        .cloned()
        .map_err(|GroupError::DuplicateName| duplicate())?;
    let mut out = view(&state, &group, true);
    let all = state.org.divisions.all();
    out.member_divisions = Some(match &group.member_divisions {
        None => all.iter().map(|d| d.id_str.clone()).collect(),
        Some(ds) => ds
            .iter()
            .filter_map(|&d| all.get(d as usize).map(|d| d.id_str.clone()))
            .collect(),
    });
    Ok(Json(out).into_response())
}

/// `PATCH /api/v2/routing/skillgroups/{id}`: the fields sent replace the stored ones.
pub async fn patch(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<GroupBody>,
) -> Result<Response, ApiError> {
    if let Some(conditions) = &body.skill_conditions {
        check_conditions(&state, conditions)?;
    }
    let division = body
        .division
        .as_ref()
        .map(|d| division_index(&state, Some(d)))
        .transpose()?;
    let group = {
        let mut groups = state.org.skill_groups.write();
        let idx = groups.find_str(&id).ok_or_else(ApiError::not_found)?;
        if let Some(name) = &body.name {
            if name.trim().is_empty() {
                return Err(ApiError::invalid_value("name", "name must not be empty"));
            }
            if groups.name_taken(name, Some(idx)) {
                return Err(duplicate());
            }
        }
        let group = groups.get_mut(idx).ok_or_else(ApiError::not_found)?;
        if let Some(name) = body.name {
            group.name = name;
        }
        if let Some(description) = body.description {
            group.description = Some(description);
        }
        if let Some(division) = division {
            group.division = division;
        }
        if let Some(conditions) = body.skill_conditions {
            group.conditions = conditions;
        }
        group.date_modified = OffsetDateTime::now_utc();
        group.clone()
    };
    Ok(Json(view(&state, &group, true)).into_response())
}

/// `DELETE /api/v2/routing/skillgroups/{id}`: afterwards the group is gone (404).
pub async fn delete(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut groups = state.org.skill_groups.write();
    let idx = groups.find_str(&id).ok_or_else(ApiError::not_found)?;
    groups.remove(idx);
    Ok(StatusCode::NO_CONTENT.into_response())
}
