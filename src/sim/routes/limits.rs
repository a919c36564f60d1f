//! `GET /api/v2/organizations/limits/namespaces/{namespace}`: the budget clients pace themselves by.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::sim::error::ApiError;
use crate::sim::extract::MAX_BODY_BYTES;
use crate::sim::state::SimState;

/// Only `platform.api` is simulated; 0 for the token rate means "no limit configured".
pub async fn namespace(
    State(state): State<Arc<SimState>>,
    Path(namespace): Path<String>,
) -> Result<Response, ApiError> {
    if namespace != "platform.api" {
        return Err(ApiError::not_found());
    }
    let limit = |key: &str, value: u64| serde_json::json!({"key": key, "namespace": "platform.api", "value": value});
    Ok(Json(serde_json::json!({
        "entities": [
            limit("client.credentials.token.rate.per.minute", u64::from(state.faults().rate_limit)),
            limit("user.rate.per.minute", 3000),
            limit("request.bytes.max", MAX_BODY_BYTES as u64),
        ]
    }))
    .into_response())
}
