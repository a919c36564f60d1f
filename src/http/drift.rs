//! `GET /v1/drift` and `GET /v1/agents/{key}`: what differs, per agent, from the last observation.

use axum::routing::get;
use axum::Router;

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use super::auth::Reader;
use super::error::ApiError;
use super::views::{Agent, DriftPageView};
use super::Api;
use crate::store::{AgentRecord, DriftFilter};

/// Query of `GET /v1/drift`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DriftQuery {
    /// Only agents whose differences concern this skill, language or certification.
    skill: Option<String>,
    /// Only agents in this state: drifted, pending, needs_attention, stuck, deferred.
    state: Option<String>,
    /// Page size (default 100, at most 1000).
    limit: Option<i64>,
    /// Offset.
    offset: Option<i64>,
}

/// A job held for approval, as drift shows it: the changes it would make are not in force, and
/// why (too destructive, a skill left with too few holders, a shrunken snapshot).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HeldJob {
    /// The job; approve or reject it with `POST /v1/jobs/{id}/approve|reject`.
    job_id: i64,
    /// Why it is held, e.g. `skill Billing would be held by 2 → 0 agents, fewer than 1
    /// (safety.min_holders)`.
    reasons: serde_json::Value,
    /// When it was queued.
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The answer of `GET /v1/drift`: the page, and the jobs held for approval.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DriftAnswer {
    /// Totals, agents, total.
    #[serde(flatten)]
    page: DriftPageView,
    /// Jobs held for approval (at most 100, newest first).
    held: Vec<HeldJob>,
}

/// Drift totals, the agents that differ, and the jobs held for approval with their reasons.
#[utoipa::path(get, path = "/v1/drift", tag = "drift", params(DriftQuery),
    responses((status = 200, body = DriftAnswer)), security(("bearer" = [])))]
pub async fn drift(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Query(q): Query<DriftQuery>,
) -> Result<Json<DriftAnswer>, ApiError> {
    let page = super::Page {
        limit: q.limit,
        offset: q.offset,
    };
    let filter = DriftFilter {
        name: q.skill,
        state: q.state,
        limit: page.limit(),
        offset: page.offset(),
    };
    let page = DriftPageView::from(&ctx.store.drift(&filter).await?);
    let (jobs, _) = ctx.store.jobs(Some("held"), 100, 0).await?;
    let held = jobs
        .into_iter()
        .map(|job| HeldJob {
            job_id: job.id,
            reasons: job.held_reasons.unwrap_or_default(),
            created_at: job.created_at,
        })
        .collect();
    Ok(Json(DriftAnswer { page, held }))
}

/// One agent: desired state, last observation, differences, state, last change.
#[utoipa::path(get, path = "/v1/agents/{key}", tag = "drift", params(("key" = String, Path, description = "Feed key (email or employee id) or platform user id")),
    responses((status = 200, description = "The agent"), (status = 404, body = super::error::ErrorBody)), security(("bearer" = [])))]
pub async fn agent(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Path(key): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let key = super::normalized_key(&ctx, &key);
    let record: Option<AgentRecord> = ctx.store.agent(&key).await?;
    let desired_key = record
        .as_ref()
        .and_then(|r| r.agent_key.clone())
        .unwrap_or_else(|| key.clone());
    let desired = ctx.store.desired_for(&desired_key).await?;
    if record.is_none() && desired.is_none() {
        return Err(ApiError::not_found(format!("agent {key}")));
    }
    Ok(Json(
        serde_json::json!({ "key": desired_key, "desired": desired, "agent": record.as_ref().map(Agent::from) }),
    ))
}

/// `GET /v1/drift`, `GET /v1/agents/{key}`.
pub fn router() -> Router<Arc<Api>> {
    Router::new()
        .route("/drift", get(drift))
        .route("/agents/{key}", get(agent))
}
