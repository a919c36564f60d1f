//! One skill definition: `GET …/skills/{skillId}` and `PUT …/skills/{skillId}` with
//! `{"skill": {…}}`. The update changes `isActive`, `skillName` and `notes`; every other field
//! CXone accepts (media settings, scripts, ACW, …) is not modelled and is ignored. Deactivating a
//! skill keeps its assignments: they go on being listed, with `isSkillActive: false`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::org::Skill;
use super::reads::id;
use super::wire;
use super::writes::ROOT_ARRAY;
use super::CxState;
use crate::sim::error::ApiError;
use crate::sim::extract::JsonBody;

/// What one update asks for; `None`: leave as it is.
#[derive(Debug, Default, PartialEq)]
struct Update {
    active: Option<bool>,
    name: Option<String>,
    notes: Option<String>,
}

fn find<'a>(state: &'a CxState, raw: &str) -> Result<&'a Skill, ApiError> {
    state.org.skill(id(raw)?).ok_or_else(ApiError::not_found)
}

fn invalid(field: &str, expected: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid request body. 'skill.{field}' must be {expected}."
    ))
}

/// `field` of `skill`, when present and not null, read by `read` or refused as not `expected`.
fn field<T>(
    skill: &Map<String, Value>,
    name: &str,
    expected: &str,
    read: impl Fn(&Value) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match skill.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => read(v).map(Some).ok_or_else(|| invalid(name, expected)),
    }
}

/// Reads `{"skill": {…}}` as the other writes read their wrappers: an object is required at the
/// root and under `skill`.
fn update(body: Value) -> Result<Update, ApiError> {
    let mut root = match body {
        Value::Object(o) => o,
        Value::Array(_) => return Err(ApiError::bad_request(ROOT_ARRAY)),
        _ => {
            return Err(ApiError::bad_request(
                "Invalid request body. Expected object.",
            ))
        }
    };
    let Some(Value::Object(skill)) = root.remove("skill") else {
        return Err(ApiError::bad_request(
            "Invalid request body. 'skill' is required and must be an object.",
        ));
    };
    let name = field(&skill, "skillName", "a non-empty string", |v| {
        v.as_str()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    })?;
    Ok(Update {
        active: field(&skill, "isActive", "true or false", Value::as_bool)?,
        name,
        notes: field(&skill, "notes", "a string", |v| {
            v.as_str().map(str::to_string)
        })?,
    })
}

/// `GET …/skills/{skillId}`: the listing's fields and `notes`, not wrapped.
pub async fn one(
    State(state): State<Arc<CxState>>,
    Path((_, skill_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let skill = find(&state, &skill_id)?;
    let mut body = wire::skill(skill);
    body["notes"] = json!(skill.settings.lock().notes);
    Ok(Json(body).into_response())
}

/// `PUT …/skills/{skillId}` `{"skill": {"isActive"?, "skillName"?, "notes"?}}` →
/// `{success, skillId}`. A name another skill has is refused: skills are found by name.
pub async fn modify(
    State(state): State<Arc<CxState>>,
    Path((_, skill_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let skill = find(&state, &skill_id)?;
    let update = update(body)?;
    if let Some(name) = &update.name {
        if state
            .org
            .skill_named(name)
            .is_some_and(|s| s.id != skill.id)
        {
            return Err(ApiError::bad_request(format!(
                "A skill named {name} already exists."
            )));
        }
    }
    let mut settings = skill.settings.lock();
    if let Some(active) = update.active {
        settings.active = active;
    }
    if let Some(name) = update.name {
        settings.name = name;
    }
    if let Some(notes) = update.notes {
        settings.notes = notes;
    }
    Ok(Json(json!({"success": true, "skillId": skill.id})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_wrapped_skill_object_is_an_update() {
        assert_eq!(
            update(json!({"skill": {"isActive": false, "mediaTypeId": 4}})).ok(),
            Some(Update {
                active: Some(false),
                ..Update::default()
            })
        );
        assert_eq!(
            update(json!({"skill": {"skillName": " Renamed ", "notes": "n", "isActive": null}}))
                .ok(),
            Some(Update {
                active: None,
                name: Some("Renamed".into()),
                notes: Some("n".into()),
            })
        );
        for bad in [
            json!([{"isActive": false}]),
            json!("skill"),
            json!({"isActive": false}),
            json!({"skill": [{"isActive": false}]}),
            json!({"skill": {"isActive": "false"}}),
            json!({"skill": {"skillName": "  "}}),
            json!({"skill": {"notes": 3}}),
        ] {
            assert!(update(bad.clone()).is_err(), "{bad}");
        }
    }
}
