//! `GET /v1/audit?agent=&since=&until=&job=&call=&outcome=`: every platform write and operator action, as JSON or,
//! with `Accept: text/csv` or `format=csv`, as CSV for auditors.

use axum::routing::get;
use axum::Router;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;

use super::auth::Reader;
use super::csv_export::CsvTable;
use super::error::ApiError;
use super::views::{self, AuditRecord};
use super::Api;
use super::Page;
use crate::store::{AuditEntry, AuditFilter, AuditStatus};

/// Query of `GET /v1/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Agent key (normalized as feeds are: an email in any case) or platform user id.
    agent: Option<String>,
    /// From, inclusive (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Until, exclusive (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Only the rows of this job.
    job: Option<i64>,
    /// Only this call or action (`patch_routing_skills`, `approve`, …).
    call: Option<String>,
    /// Only rows with this outcome (`pending`, `ok`, `failed`, `unknown`, `recorded`).
    outcome: Option<String>,
    /// `csv` answers CSV as `Accept: text/csv` does (for links, which cannot set headers).
    format: Option<String>,
    /// Page size (default 100, at most 1000; CSV: up to 100,000).
    limit: Option<i64>,
    /// Offset.
    offset: Option<i64>,
}

fn csv(entries: &[AuditEntry]) -> Result<String, ApiError> {
    let mut out = CsvTable::new(&[
        "id",
        "at",
        "job_id",
        "feed_id",
        "agent",
        "user_id",
        "call",
        "changes",
        "outcome",
        "http_status",
        "correlation_id",
        "error",
        "actor",
        "finished_at",
    ])?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for e in entries {
        out.row([
            e.id.to_string(),
            e.at.to_rfc3339(),
            opt(e.job_id.map(|v| v.to_string())),
            opt(e.feed_id.map(|v| v.to_string())),
            opt(e.agent_key.clone()),
            opt(e.user_id.clone()),
            e.call.clone(),
            e.changes.to_string(),
            e.outcome.to_string(),
            opt(e.http_status.map(|v| v.to_string())),
            opt(e.correlation_id.clone()),
            opt(e.error.clone()),
            opt(e.actor.clone()),
            opt(e.finished_at.map(|t| t.to_rfc3339())),
        ])?;
    }
    out.finish()
}

/// The audit log.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "Entries, oldest first (JSON, or CSV with Accept: text/csv)", body = [AuditRecord])),
    security(("bearer" = [])))]
pub async fn audit(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let wants_csv = q.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"));
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    };
    let limit = if wants_csv {
        q.limit.unwrap_or(100_000).clamp(1, 100_000)
    } else {
        page.limit()
    };
    // Instants the database can hold: PostgreSQL's range starts in 4713 BC, chrono's earlier.
    for (name, at) in [("since", q.since), ("until", q.until)] {
        if at.is_some_and(|at| !(1..=9999).contains(&at.year())) {
            return Err(ApiError::bad_request(format!(
                "{name} must lie between the years 1 and 9999"
            )));
        }
    }
    let outcome = match q.outcome.as_deref().map(str::parse::<AuditStatus>) {
        Some(Err(e)) => return Err(ApiError::bad_request(format!("outcome: {e}"))),
        Some(Ok(outcome)) => Some(outcome),
        None => None,
    };
    let filter = AuditFilter {
        agent: q.agent.map(|a| super::normalized_key(&ctx, &a)),
        since: q.since,
        until: q.until,
        job_id: q.job,
        call: q.call,
        outcome,
        newest_first: false,
        limit,
        offset: page.offset(),
    };
    let entries = ctx.store.audit(&filter).await?;
    if wants_csv {
        Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit.csv\"",
                ),
            ],
            csv(&entries)?,
        )
            .into_response())
    } else {
        let entries: Vec<AuditRecord> = views::all(&entries);
        Ok(Json(serde_json::json!({ "entries": entries })).into_response())
    }
}

/// `GET /v1/audit`.
pub fn router() -> Router<Arc<Api>> {
    Router::new().route("/audit", get(audit))
}
