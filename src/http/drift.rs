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

/// Drift totals and the agents that differ.
#[utoipa::path(get, path = "/v1/drift", tag = "drift", params(DriftQuery),
    responses((status = 200, body = DriftPageView)), security(("bearer" = [])))]
pub async fn drift(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Query(q): Query<DriftQuery>,
) -> Result<Json<DriftPageView>, ApiError> {
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
    Ok(Json(DriftPageView::from(&ctx.store.drift(&filter).await?)))
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
