//! The daemon's HTTP API: one file per resource, each owning its routes; one error shape, bearer
//! tokens, an OpenAPI document. Handlers read what the worker recorded; they must never call the
//! platform (except the readiness check's token probe) nor run jobs themselves.

mod audit;
mod auth;
mod body_deadline;
mod certifications;
mod console;
mod context;
mod csv_export;
mod drain;
mod drift;
mod error;
mod feeds;
mod health;
mod jobs;
mod openapi;
mod org_list;
mod orgs;
mod serve;
mod session;
mod settings;
mod skills;
mod token;
mod views;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub use console::history as console_history;
pub use context::{Api, SkillsContext};
pub use error::ApiError;
pub use feeds::{ingest_request, IngestQuery};
pub use org_list::{LastJob, OrgList, OrgView};
pub use orgs::{Orgs, OrgsError};
pub use serve::{serve, ConnectionLimits};
pub use settings::ServerSettings;
pub use token::ApiToken;

/// `key` as feeds spell it (a lowercased email), or as given when it is not a valid key (a
/// platform user id).
fn normalized_key(ctx: &Api, key: &str) -> String {
    crate::domain::AgentKey::parse(ctx.agent_key, key)
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

/// The API router for one org, which `/v1/…` and `/v1/orgs/{org}/…` both reach.
pub fn router(ctx: Arc<Api>) -> Router {
    router_for_orgs(Orgs::single(ctx))
}

/// The API router for every org: each org's resources under `/v1/orgs/{org}/…`, the default
/// org's also under `/v1/…`, `GET /v1/orgs`, health and the OpenAPI document; one error shape
/// for what no handler answered.
pub fn router_for_orgs(orgs: Orgs) -> Router {
    let body_timeout_secs = orgs.server().body_timeout_secs;
    orgs::routes(Arc::new(orgs))
        .layer(axum::middleware::from_fn(drain::drain_refused))
        .layer(axum::middleware::from_fn_with_state(
            body_timeout_secs,
            body_deadline::body_deadline,
        ))
        .layer(axum::middleware::from_fn(refuse_nul))
        .layer(axum::middleware::from_fn(json_errors))
}

/// Refuses a NUL byte anywhere in the path or query: no stored text can hold one (PostgreSQL
/// refuses it), so a lookup or filter with one is a client mistake, not a 500.
async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let encoded = |part: &str| part.to_ascii_lowercase().contains("%00");
    if encoded(uri.path()) || uri.query().is_some_and(encoded) {
        return ApiError::bad_request("a NUL byte (%00) is not allowed in a path or query")
            .into_response();
    }
    next.run(req).await
}

/// Gives axum's own rejections (a bad path id, a bad query value, a malformed JSON body, a
/// method not allowed) the API's error shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_json = content_type.starts_with("application/json");
    // The console's own error pages (a 401 asking for a token) are meant for a browser.
    let is_console_page = content_type.starts_with("text/html");
    if !(status.is_client_error() || status.is_server_error()) || is_json || is_console_page {
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

async fn metrics(State(ctx): State<Arc<Api>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        ctx.metrics.render(),
    )
}

/// The metrics listener's router: `GET /metrics`, and `GET /healthz` for a liveness probe that
/// clients filling the API's connections cannot starve.
pub fn metrics_router(ctx: Arc<Api>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(health::healthz))
        .with_state(ctx)
}
