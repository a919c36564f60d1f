//! CXone's error body, rendered from the shared [`ApiError`].

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::sim::error::ApiError;

/// Renders [`ApiError`]s CXone-style: `{"error", "error_description", "message"}` (the
/// platform's error body is unconfirmed; the status and `Retry-After` are what clients act on).
pub async fn render_errors(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if let Some(err) = response.extensions_mut().remove::<ApiError>() {
        let body = err.body("");
        let out = json!({
            "error": body["code"],
            "error_description": body["message"],
            "message": body["message"],
        });
        *response.body_mut() = axum::body::Body::from(out.to_string());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}
