//! The platform's `ErrorBody`: handlers return [`ApiError`]; the correlation middleware renders it
//! with the request's `contextId`, so the body and the `ININ-Correlation-Id` header always agree.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One entry of `ErrorBody.details`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// Machine-readable reason.
    pub error_code: String,
    /// The offending field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// The offending entity, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
}

/// `ErrorBody.limit`, present on 429s.
#[derive(Debug, Clone, Serialize)]
pub struct LimitInfo {
    /// The limit's key, e.g. `client.credentials.token.rate.per.minute`.
    pub key: &'static str,
    /// Its namespace.
    pub namespace: &'static str,
    /// Its value.
    pub value: u32,
}

/// An API error as the platform reports it. Boxed, because handlers pass it by value through
/// many `Result`s.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Parts>);

#[derive(Debug, Clone)]
struct Parts {
    status: StatusCode,
    code: &'static str,
    message: String,
    message_with_params: Option<String>,
    message_params: BTreeMap<String, String>,
    details: Vec<ErrorDetail>,
    limit: Option<LimitInfo>,
    retry_after: Option<u64>,
}

/// The message the platform gives for a stale or missing user `version`.
pub const VERSION_MISMATCH: &str =
    "The version number of the modified resource must match the version number in the database.";

impl ApiError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self(Box::new(Parts {
            status,
            code,
            message: message.into(),
            message_with_params: None,
            message_params: BTreeMap::new(),
            details: Vec::new(),
            limit: None,
            retry_after: None,
        }))
    }

    /// Adds a `details` entry.
    pub fn with_detail(
        mut self,
        error_code: &str,
        field: Option<&str>,
        entity: Option<&str>,
    ) -> Self {
        self.0.details.push(ErrorDetail {
            error_code: error_code.to_string(),
            field_name: field.map(str::to_string),
            entity_id: entity.map(str::to_string),
        });
        self
    }

    /// 400 `bad.request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    /// 400 `invalid.value` for one field.
    pub fn invalid_value(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid.value", message).with_detail(
            "invalid.value",
            Some(field),
            None,
        )
    }

    /// 400 for a body that is not the JSON the endpoint takes.
    pub fn malformed_body(reason: impl std::fmt::Display) -> Self {
        Self::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax. {reason}"
        ))
    }

    /// 404 `not.found`.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not.found",
            "The requested resource was not found.",
        )
    }

    /// 405 for a path that exists with another method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method.not.allowed",
            "The requested HTTP method is not supported for this resource.",
        )
    }

    /// 409 for a write that lost a race.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 413 for a body over the platform's size limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload.too.large",
            format!("The request body exceeds the maximum size of {limit} bytes."),
        )
    }

    /// 415 for a body that is not `application/json`.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported.media.type",
            "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.",
        )
    }

    /// 401 with the given code.
    pub fn unauthorized(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64, budget: u32) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests.retry.after",
            format!("Rate limit exceeded the maximum. Retry the request in [{retry_after_secs}] seconds"),
        );
        err.0.message_with_params = Some(
            "Rate limit exceeded the maximum. Retry the request in [{retryAfterSeconds}] seconds"
                .into(),
        );
        err.0
            .message_params
            .insert("retryAfterSeconds".into(), retry_after_secs.to_string());
        err.0.limit = Some(LimitInfo {
            key: "client.credentials.token.rate.per.minute",
            namespace: "platform.api",
            value: budget,
        });
        err.0.retry_after = Some(retry_after_secs);
        err
    }

    /// 503 `service.unavailable`.
    pub fn service_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service.unavailable",
            "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).",
        )
    }

    /// 504 `request.timeout`.
    pub fn request_timeout() -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "request.timeout",
            "The request timed out.",
        )
    }

    /// The finished body for the request whose correlation id is `context_id`.
    pub fn body(&self, context_id: &str) -> serde_json::Value {
        let p = &self.0;
        let mut body = serde_json::json!({
            "message": p.message,
            "code": p.code,
            "status": p.status.as_u16(),
            "messageWithParams": p.message_with_params.as_deref().unwrap_or(&p.message),
            "messageParams": p.message_params,
            "contextId": context_id,
            "details": p.details,
            "errors": [],
        });
        if let Some(limit) = &p.limit {
            body["limit"] = serde_json::json!(limit);
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The body is written by the correlation middleware, which knows the context id.
        let mut response = self.0.status.into_response();
        if let Some(secs) = self.0.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(self);
        response
    }
}
