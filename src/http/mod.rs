//! The daemon's HTTP API: one file per resource, one error shape, bearer tokens, an OpenAPI
//! document. Handlers read what the worker recorded; they never call the platform (except the
//! readiness check's token probe).

mod audit;
mod auth;
mod certifications;
mod csv_export;
mod drift;
mod error;
mod feeds;
mod health;
mod jobs;
mod openapi;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub use error::ApiError;

use crate::daemon::Context;

/// `key` as feeds spell it (a lowercased email), or as given when it is not a valid key (a
/// platform user id).
fn normalized_key(ctx: &Context, key: &str) -> String {
    crate::domain::AgentKey::parse(ctx.settings.feed.agent_key, key)
        .map(|k| k.as_str().to_string())
        .unwrap_or_else(|_| key.trim().to_string())
}

/// `limit` and `offset` of list endpoints.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// Page size (default 100, at most 1000).
    limit: Option<i64>,
    /// Offset.
    offset: Option<i64>,
}

impl Page {
    fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }

    fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }
}

/// The API router.
pub fn router(ctx: Arc<Context>) -> Router {
    let body_limit = ctx
        .settings
        .server
        .body_limit_mb
        .saturating_mul(1024 * 1024);
    Router::new()
        .route(
            "/v1/feeds",
            post(feeds::post_feed)
                .layer(DefaultBodyLimit::max(body_limit))
                .get(feeds::list_feeds),
        )
        .route("/v1/feeds/{id}", get(feeds::get_feed))
        .route("/v1/drift", get(drift::drift))
        .route("/v1/agents/{key}", get(drift::agent))
        .route("/v1/jobs", get(jobs::list_jobs))
        .route("/v1/jobs/{id}", get(jobs::get_job))
        .route("/v1/jobs/{id}/approve", post(jobs::approve))
        .route("/v1/jobs/{id}/reject", post(jobs::reject))
        .route("/v1/reconcile", post(jobs::reconcile))
        .route("/v1/audit", get(audit::audit))
        .route(
            "/v1/certifications/expiring",
            get(certifications::expiring_soon),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::not_found("this endpoint").into_response() })
        .layer(axum::middleware::from_fn(json_errors))
        .with_state(ctx)
}

/// Gives axum's own rejections (a bad path id, a bad query value, a malformed JSON body, a
/// method not allowed) the API's error shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    ApiError::new(status, code, message).into_response()
}

async fn metrics(State(ctx): State<Arc<Context>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        ctx.metrics.render(),
    )
}

/// The metrics listener's router: `GET /metrics` only.
pub fn metrics_router(ctx: Arc<Context>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(ctx)
}
