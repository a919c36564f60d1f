//! Cross-cutting behaviour of every API call: correlation ids and error bodies, request stats,
//! injected transient failures, bearer authentication and per-token rate limiting.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::error::ApiError;
use super::state::{Admission, SimState};
use super::stats::{is_api_path, is_write};

/// Header carrying the id that error bodies repeat as `contextId`.
pub const CORRELATION_HEADER: &str = "inin-correlation-id";

/// Gives every response an `ININ-Correlation-Id` (the caller's, if it sent one) and renders
/// [`ApiError`]s into `ErrorBody` JSON carrying that id.
pub async fn correlate(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut response = next.run(req).await;
    if let Some(err) = response.extensions_mut().remove::<ApiError>() {
        let body = err.body(&id).to_string();
        *response.body_mut() = Body::from(body);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    response
}

/// Counts API requests by method, route template and status for `/sim/stats`.
pub async fn count(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".to_string());
    let user = is_write(&method)
        .then(|| written_user(req.uri().path()))
        .flatten();
    let response = next.run(req).await;
    if !path.starts_with("/sim/") {
        state
            .stats
            .record(&method, &path, response.status().as_u16(), user.as_deref());
    }
    response
}

/// The user id in `/api/v2/users/{id}/…` (CXone: `/inContactAPI/services/v{N}.0/agents/{id}/…`),
/// for per-user write counts.
fn written_user(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/v2/users/").or_else(|| {
        let rest = path.strip_prefix("/inContactAPI/services/")?;
        rest.split_once('/')?.1.strip_prefix("agents/")
    })?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then(|| id.to_string())
}

/// Injected transient failures: outage and random 503 before the call, latency, and random 504
/// *after* it, so that a write may be applied although the client saw a timeout.
pub async fn transient_faults(
    State(state): State<Arc<SimState>>,
    req: Request,
    next: Next,
) -> Response {
    let faults = state.faults();
    if state.in_outage() {
        return ApiError::service_unavailable().into_response();
    }
    let (fail_before, delay, fail_after) = {
        let mut rng = rand::rng();
        let jitter = match faults.latency_jitter_ms {
            0 => 0,
            j => rng.random_range(0..=j),
        };
        (
            rng.random_bool(faults.error_rate),
            Duration::from_millis(faults.latency_ms + jitter),
            rng.random_bool(faults.timeout_rate),
        )
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if fail_before {
        return ApiError::service_unavailable().into_response();
    }
    let write = is_write(req.method().as_str()) && is_api_path(req.uri().path());
    let response = next.run(req).await;
    if fail_after || (write && response.status().is_success() && state.take_forced_timeout()) {
        return ApiError::request_timeout().into_response();
    }
    response
}

/// Requires a valid, unexpired bearer token and charges the call to that token's budget.
pub async fn authenticate(
    State(state): State<Arc<SimState>>,
    req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return ApiError::unauthorized(
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        )
        .into_response();
    };
    match state.token_valid(token) {
        None => {
            return ApiError::unauthorized("bad.credentials", "Invalid login credentials.")
                .into_response()
        }
        Some(false) => {
            return ApiError::unauthorized(
                "credentials.expired",
                "The supplied credentials are expired and cannot be used.",
            )
            .into_response()
        }
        Some(true) => {}
    }
    if let Admission::Throttled {
        retry_after,
        budget,
    } = state.admit_api_call(token)
    {
        return ApiError::too_many_requests(retry_after, budget).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_attributed_to_the_user_in_the_path() {
        assert_eq!(
            written_user("/api/v2/users/abc/routingskills/bulk").as_deref(),
            Some("abc")
        );
        assert_eq!(written_user("/api/v2/users/abc").as_deref(), Some("abc"));
        assert_eq!(written_user("/api/v2/routing/skills"), None);
        assert_eq!(
            written_user("/inContactAPI/services/v23.0/agents/1000001/skills").as_deref(),
            Some("1000001")
        );
        assert_eq!(
            written_user("/inContactAPI/services/v23.0/skills/7/agents"),
            None
        );
    }
}
