//! `GET /healthz` (the process answers) and `GET /readyz` (database reachable, migrations
//! applied, platform token obtainable).

use axum::routing::get;
use axum::Router;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::Api;
use crate::platform::Platform;

/// Alive.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "The process answers")))]
pub async fn healthz() -> Response {
    (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response()
}

/// Ready to work: every check must pass.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "Ready"), (status = 503, description = "Not ready; the failing checks are named")))]
pub async fn readyz(State(ctx): State<Arc<Api>>) -> Response {
    let database = match ctx.store.ready().await {
        Ok(true) => Ok(()),
        Ok(false) => Err("migrations are not applied".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let platform = ctx
        .platform
        .check_credentials()
        .await
        .map_err(|e| e.to_string());
    let check = |r: &Result<(), String>| match r {
        Ok(()) => serde_json::json!({"ok": true}),
        Err(e) => serde_json::json!({"ok": false, "error": e}),
    };
    let ready = database.is_ok() && platform.is_ok();
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": { "database": check(&database), "platform_token": check(&platform) },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /healthz`, `GET /readyz`.
pub fn router() -> Router<Arc<Api>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}
