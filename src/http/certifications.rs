//! `GET /v1/certifications/expiring?within=7d`: certifications in force that expire within the
//! window, soonest first, as JSON or (`Accept: text/csv`) CSV.

use axum::routing::get;
use axum::Router;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{SecondsFormat, Utc};
use serde::Deserialize;

use super::auth::Reader;
use super::csv_export::CsvTable;
use super::error::ApiError;
use super::Api;
use crate::certs::{expiring, Within};

/// Query of `GET /v1/certifications/expiring`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExpiringQuery {
    /// The window: `1d`, `7d` (default), `30d`, `24h`, …
    within: Option<String>,
}

/// Certifications expiring soon.
#[utoipa::path(get, path = "/v1/certifications/expiring", tag = "certifications", params(ExpiringQuery),
    responses((status = 200, description = "Soonest first: agent, certification, expires_on (JSON, or CSV with Accept: text/csv)"),
              (status = 400, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn expiring_soon(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    headers: HeaderMap,
    Query(q): Query<ExpiringQuery>,
) -> Result<Response, ApiError> {
    let text = q.within.unwrap_or_else(|| "7d".into());
    let within: Within = text
        .parse()
        .map_err(|e: crate::certs::WithinError| ApiError::bad_request(e.to_string()))?;
    let now = Utc::now();
    let state = ctx.store.current_desired(ctx.agent_key).await?;
    let found = expiring(&state, now, within.duration(), ctx.certifications.margin());
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        let mut out = CsvTable::new(&["agent", "certification", "expires_on"])?;
        for e in &found {
            out.row([
                e.agent.as_str(),
                e.certification.as_str(),
                &e.expires_on.to_rfc3339_opts(SecondsFormat::Secs, true),
            ])?;
        }
        let body = out.finish()?;
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            body,
        )
            .into_response());
    }
    let items: Vec<serde_json::Value> = found
        .iter()
        .map(|e| {
            serde_json::json!({
                "agent": e.agent.as_str(),
                "certification": e.certification.as_str(),
                "expires_on": e.expires_on,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "within": text, "generated_at": now, "total": items.len(), "items": items })).into_response())
}

/// `GET /v1/certifications/expiring`.
pub fn router() -> Router<Arc<Api>> {
    Router::new().route("/certifications/expiring", get(expiring_soon))
}
