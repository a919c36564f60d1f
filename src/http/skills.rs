//! `GET /v1/skills` and `POST /v1/skills/{name}/retire` (issue 16): the skill catalog as the
//! daemon knows it — definitions as last listed, holders from observed agents, whether skillsync
//! manages each, retirements — and the request that retires a skill. Never calls the platform.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{Reader, Writer};
use super::error::ApiError;
use super::Api;
use crate::domain::AssignmentKind;
use crate::planner::Ownership;
use crate::retire::{cancel, parse_after, retire, RetireError};
use crate::store::Retirement;

/// The routes.
pub fn router() -> Router<Arc<Api>> {
    Router::new().route("/skills", get(list_skills)).route(
        "/skills/{name}/retire",
        post(retire_skill).delete(cancel_retirement),
    )
}

/// A retirement as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetirementView {
    /// `scheduled`, `removing` or `retired`.
    state: &'static str,
    /// From when agents lose the skill.
    retire_after: DateTime<Utc>,
    /// Who asked.
    requested_by: String,
    /// When.
    requested_at: DateTime<Utc>,
    /// When agents started losing it.
    started_at: Option<DateTime<Utc>>,
    /// What still holds or references it, as last checked.
    blocked_by: Option<String>,
    /// When nothing held or referenced it any more.
    clear_since: Option<DateTime<Utc>>,
    /// When the definition is deleted, if nothing holds or references it meanwhile.
    deletes_after: Option<DateTime<Utc>>,
    /// The last check.
    checked_at: Option<DateTime<Utc>>,
    /// When the definition was deleted or deactivated.
    retired_at: Option<DateTime<Utc>>,
    /// `deleted`, `deactivated` or `already_gone`.
    outcome: Option<String>,
}

impl RetirementView {
    fn of(r: &Retirement, grace: chrono::TimeDelta, now: DateTime<Utc>) -> Self {
        Self {
            state: r.state(now),
            retire_after: r.retire_after,
            requested_by: r.requested_by.clone(),
            requested_at: r.requested_at,
            started_at: r.started_at,
            blocked_by: r.blocked_by.clone(),
            clear_since: r.clear_since,
            deletes_after: r
                .clear_since
                .filter(|_| r.retired_at.is_none())
                .map(|since| since + grace),
            checked_at: r.checked_at,
            retired_at: r.retired_at,
            outcome: r.outcome.clone(),
        }
    }
}

/// One skill of the catalog.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillView {
    /// The exact name.
    name: String,
    /// `active`, `inactive` or `deleted` as last listed; `unknown` when the listing did not show
    /// it (not listed yet, or held by agents but not listed).
    definition: String,
    /// Observed agents holding it.
    holders: usize,
    /// Whether skillsync manages it (`[ownership]` and the names feeds have used).
    managed: bool,
    /// Its retirement, if one was requested.
    retirement: Option<RetirementView>,
}

/// Every skill the daemon knows of: listed, held, or retiring.
#[utoipa::path(get, path = "/v1/skills", tag = "skills",
    responses((status = 200, description = "{skills: [SkillView], listed_at}")), security(("bearer" = [])))]
pub async fn list_skills(
    State(ctx): State<Arc<Api>>,
    _: Reader,
) -> Result<Json<serde_json::Value>, ApiError> {
    let store = &ctx.store;
    let catalog = store.catalog().await?;
    let holders = store.skill_holders().await?;
    let retirements: BTreeMap<String, Retirement> = store
        .retirements()
        .await?
        .into_iter()
        .map(|r| (r.skill.clone(), r))
        .collect();
    let seen = store.seen_names().await?;
    // A configuration that cannot build a scope would have stopped the daemon at start-up.
    let ownership = Ownership::build(&ctx.skills.ownership, &seen).ok();
    let listed_at = catalog.iter().map(|c| c.listed_at).max();
    let states: BTreeMap<&str, &str> = catalog
        .iter()
        .map(|c| (c.name.as_str(), c.state.as_str()))
        .collect();
    let names: BTreeSet<&str> = states
        .keys()
        .copied()
        .chain(holders.keys().map(String::as_str))
        .chain(retirements.keys().map(String::as_str))
        .collect();
    let now = Utc::now();
    let skills: Vec<SkillView> = names
        .into_iter()
        .map(|name| SkillView {
            name: name.to_owned(),
            definition: states.get(name).copied().unwrap_or("unknown").to_owned(),
            holders: holders.get(name).copied().unwrap_or(0),
            managed: ownership
                .as_ref()
                .is_some_and(|o| o.of(AssignmentKind::Skill).manages(name)),
            retirement: retirements
                .get(name)
                .map(|r| RetirementView::of(r, ctx.skills.retire_grace, now)),
        })
        .collect();
    Ok(Json(
        serde_json::json!({ "skills": skills, "listed_at": listed_at }),
    ))
}

/// Body of `POST /v1/skills/{name}/retire`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireRequest {
    /// From when agents lose the skill: a date (midnight in `reconcile.time_zone`) or an RFC 3339
    /// instant; absent: now.
    after: Option<String>,
}

/// Retire a skill: from `after` every agent loses it; its definition is deleted once nothing
/// holds or references it and `skills.retire_grace_hours` have passed. Feeds naming it are
/// refused from now on.
#[utoipa::path(post, path = "/v1/skills/{name}/retire", tag = "skills",
    params(("name" = String, Path, description = "The skill's exact platform name")),
    request_body(content = Option<RetireRequest>),
    responses((status = 201, body = RetirementView), (status = 409, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn retire_skill(
    State(ctx): State<Arc<Api>>,
    Writer(by): Writer,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<RetirementView>), ApiError> {
    let request: RetireRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RetireRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                e.to_string(),
            )
        })?
    };
    let unprocessable = |e: RetireError| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            e.to_string(),
        )
    };
    let after = parse_after(request.after.as_deref().unwrap_or(""), ctx.skills.time_zone)
        .map_err(unprocessable)?;
    let retirement = match retire(&ctx.store, &name, after, &by).await {
        Ok(r) => r,
        Err(e @ RetireError::Already(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                e.to_string(),
            ))
        }
        Err(RetireError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(unprocessable(e)),
    };
    ctx.signals.retirements.notify_one();
    Ok((
        StatusCode::CREATED,
        Json(RetirementView::of(
            &retirement,
            ctx.skills.retire_grace,
            Utc::now(),
        )),
    ))
}

/// Withdraw a skill's retirement: feeds may name it again. Removals already made stay made, and a
/// deleted definition stays deleted.
#[utoipa::path(delete, path = "/v1/skills/{name}/retire", tag = "skills",
    params(("name" = String, Path, description = "The skill's exact platform name")),
    responses((status = 200, body = RetirementView), (status = 404, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel_retirement(
    State(ctx): State<Arc<Api>>,
    Writer(by): Writer,
    Path(name): Path<String>,
) -> Result<Json<RetirementView>, ApiError> {
    let cancelled = match cancel(&ctx.store, &name, &by).await {
        Ok(r) => r,
        Err(RetireError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(ApiError::bad_request(e.to_string())),
    };
    Ok(Json(RetirementView::of(
        &cancelled,
        ctx.skills.retire_grace,
        Utc::now(),
    )))
}
