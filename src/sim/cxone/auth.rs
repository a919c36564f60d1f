//! `POST /authentication/v1/token/access-key` and `GET /.well-known/cxone-configuration`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::page::base_url;
use super::CxState;
use crate::sim::error::ApiError;
use crate::sim::state::Admission;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessKey {
    access_key_id: String,
    access_key_secret: String,
}

fn auth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Issues a bearer token for the configured access key (`--client-id`, `--client-secret`).
pub async fn token(State(state): State<Arc<CxState>>, body: Bytes) -> Response {
    let Ok(key) = serde_json::from_slice::<AccessKey>(&body) else {
        return auth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be {\"accessKeyId\", \"accessKeySecret\"}.",
        );
    };
    let config = &state.shared.config;
    if key.access_key_id != config.client_id || key.access_key_secret != config.client_secret {
        return auth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid access key.",
        );
    }
    if let Admission::Throttled {
        retry_after,
        budget,
    } = state.shared.admit_token_mint(&key.access_key_id)
    {
        return ApiError::too_many_requests(retry_after, budget).into_response();
    }
    let refresh = uuid::Uuid::new_v4().simple().to_string();
    let id_token = format!("sim.{}.sim", uuid::Uuid::new_v4().simple());
    Json(serde_json::json!({
        "access_token": state.shared.issue_token(),
        "token_type": "bearer",
        "expires_in": config.token_ttl,
        "refresh_token": refresh,
        "id_token": id_token,
    }))
    .into_response()
}

/// Where the API and the login live: this simulator, as the client addressed it.
pub async fn discovery(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    Json(serde_json::json!({
        "private": false,
        "area": "sim",
        "api_endpoint": base,
        "auth_endpoint": base,
        "ui_endpoint": base,
    }))
    .into_response()
}
