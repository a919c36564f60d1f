//! `GET /orgs/{org}/audit`: one org's audit log, newest first, filtered by a GET form and paged
//! by 100, read with the query `GET /v1/audit` uses; a bad filter value is a 400 page naming
//! its field. Must not write anything: the CSV export is the API's, linked with the filters.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};

use super::form::Form;
use super::page::{error_page, page, Chrome};
use super::{look, readable_org};
use crate::http::error::ApiError;
use crate::http::orgs::Orgs;
use crate::http::Api;
use crate::store::{AuditEntry, AuditFilter, AuditStatus};

/// Rows a page shows.
const PAGE: i64 = 100;

/// The outcomes a row can have, as the form offers them.
const OUTCOMES: [AuditStatus; 5] = [
    AuditStatus::Pending,
    AuditStatus::Ok,
    AuditStatus::Failed,
    AuditStatus::Unknown,
    AuditStatus::Recorded,
];

/// A filter value that cannot be read: the field, and what it must be.
#[derive(Debug, PartialEq, Eq)]
pub struct BadField {
    /// The form field.
    pub field: &'static str,
    /// What is wrong, as a sentence.
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BadField {
    BadField {
        field,
        message: message.into(),
    }
}

/// The filters as the form holds them (trimmed, blank as empty), to show them back.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    /// Agent key or user id.
    pub agent: String,
    /// Job id.
    pub job: String,
    /// From, UTC.
    pub from: String,
    /// To, UTC.
    pub to: String,
    /// Call or action.
    pub call: String,
    /// Outcome.
    pub outcome: String,
}

impl Fields {
    fn read(form: &Form) -> Self {
        let get = |name: &str| form.get(name).unwrap_or_default().to_string();
        Self {
            agent: get("agent"),
            job: get("job"),
            from: get("from"),
            to: get("to"),
            call: get("call"),
            outcome: get("outcome"),
        }
    }
}

/// An instant typed as `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (seconds allowed, as some browsers
/// send them), in UTC. A date alone is its midnight, or with `end_of_day` the next midnight, so
/// that "to 2026-12-07" includes that day.
pub fn instant(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let at = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        if end_of_day {
            midnight.checked_add_signed(TimeDelta::days(1))?
        } else {
            midnight
        }
    } else {
        let text = text.replacen(' ', "T", 1);
        NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S"))
            .ok()?
    };
    // Instants the database can hold, as the API requires.
    (1..=9999).contains(&at.year()).then(|| at.and_utc())
}

/// The store's filter for `fields` (the agent as typed: the caller normalizes it) and `offset`.
pub fn filter(fields: &Fields, offset: Option<&str>) -> Result<AuditFilter, BadField> {
    let some = |v: &String| (!v.is_empty()).then(|| v.clone());
    let job_id = match some(&fields.job) {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                return Err(bad(
                    "job",
                    format!("job must be a job number, not {text:?}."),
                ))
            }
        },
    };
    let when = |field: &'static str, text: &String, end: bool| match some(text) {
        None => Ok(None),
        Some(text) => instant(&text, end).map(Some).ok_or_else(|| {
            bad(
                field,
                format!(
                    "{field} must be a date (YYYY-MM-DD) or a date and time \
                     (YYYY-MM-DDTHH:MM) in UTC, not {text:?}."
                ),
            )
        }),
    };
    let since = when("from", &fields.from, false)?;
    let until = when("to", &fields.to, true)?;
    if let (Some(since), Some(until)) = (since, until) {
        if until <= since {
            return Err(bad("to", "to must come after from."));
        }
    }
    let outcome = match some(&fields.outcome) {
        None => None,
        Some(text) => Some(text.parse::<AuditStatus>().map_err(|_| {
            bad(
                "outcome",
                format!("outcome must be one of pending, ok, failed, unknown or recorded, not {text:?}."),
            )
        })?),
    };
    let offset = match offset.map(str::trim).filter(|o| !o.is_empty()) {
        None => 0,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                return Err(bad(
                    "offset",
                    format!("offset must be a row count, not {text:?}."),
                ))
            }
        },
    };
    Ok(AuditFilter {
        agent: some(&fields.agent),
        since,
        until,
        job_id,
        call: some(&fields.call),
        outcome,
        // One row more than a page says whether there is a next one.
        limit: PAGE + 1,
        offset,
        newest_first: true,
    })
}

/// `filter` as the API's query: the same rows, as CSV when `csv`.
pub fn api_query(filter: &AuditFilter, csv: bool) -> String {
    let stamp = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(agent) = &filter.agent {
        query.append_pair("agent", agent);
    }
    if let Some(since) = filter.since {
        query.append_pair("since", &stamp(since));
    }
    if let Some(until) = filter.until {
        query.append_pair("until", &stamp(until));
    }
    if let Some(job) = filter.job_id {
        query.append_pair("job", &job.to_string());
    }
    if let Some(call) = &filter.call {
        query.append_pair("call", call);
    }
    if let Some(outcome) = filter.outcome {
        query.append_pair("outcome", outcome.as_str());
    }
    if csv {
        query.append_pair("format", "csv");
    }
    query.finish()
}

/// One row of the table.
pub struct Row {
    /// Id.
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// The job; none for rows of no job.
    pub job: Option<i64>,
    /// Agent key or label, else the user id.
    pub agent: String,
    /// Call or action.
    pub call: String,
    /// Outcome.
    pub outcome: &'static str,
    /// HTTP status, the error, or who acted.
    pub detail: String,
}

impl From<&AuditEntry> for Row {
    fn from(e: &AuditEntry) -> Self {
        let detail = [
            e.http_status.map(|s| s.to_string()),
            e.error.clone(),
            e.actor.as_ref().map(|a| format!("by {a}")),
        ];
        Self {
            id: e.id,
            at: e.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            job: e.job_id,
            agent: e
                .agent_key
                .clone()
                .or_else(|| e.user_id.clone())
                .unwrap_or_default(),
            call: e.call.clone(),
            outcome: e.outcome.as_str(),
            detail: detail.into_iter().flatten().collect::<Vec<_>>().join(" · "),
        }
    }
}

/// The audit page.
#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    chrome: Chrome,
    org: String,
    fields: Fields,
    /// Calls the log holds, for the select (the one asked for among them).
    calls: Vec<String>,
    outcomes: Vec<&'static str>,
    rows: Vec<Row>,
    /// The rows shown are `offset + 1` to `last_row`.
    offset: i64,
    last_row: i64,
    /// Links to the pages before and after; empty where there is none.
    previous: String,
    next: String,
    csv: String,
}

/// The console path of the page at `offset` with `filter`'s fields.
fn page_link(org: &str, fields: &Fields, offset: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("agent", &fields.agent),
        ("job", &fields.job),
        ("from", &fields.from),
        ("to", &fields.to),
        ("call", &fields.call),
        ("outcome", &fields.outcome),
    ] {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    if offset > 0 {
        query.append_pair("offset", &offset.to_string());
    }
    let org = form_urlencoded::byte_serialize(org.as_bytes()).collect::<String>();
    format!("/orgs/{org}/audit?{}", query.finish())
}

async fn rows(api: &Api, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, Vec<String>), ApiError> {
    Ok((
        api.store.audit(filter).await?,
        api.store.audit_calls().await?,
    ))
}

/// `GET /orgs/{org}/audit`.
pub async fn audit(
    State(orgs): State<Arc<Orgs>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let viewer = match look(&orgs, &headers, &uri) {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login),
    };
    let api = match readable_org(&orgs, &viewer, &headers, &name) {
        Ok(api) => api,
        Err(missing) => return Ok(missing),
    };
    let chrome = Chrome::new(&viewer, &orgs);
    let form = Form::parse(uri.query().unwrap_or_default().as_bytes());
    let fields = Fields::read(&form);
    let mut filter = match filter(&fields, form.get("offset")) {
        Ok(filter) => filter,
        Err(e) => {
            let back = page_link(&api.org, &Fields::default(), 0);
            let title = format!("Cannot filter by {}", e.field);
            return Ok(error_page(
                &headers,
                StatusCode::BAD_REQUEST,
                &chrome,
                (&title, &e.message, &back),
            ));
        }
    };
    filter.agent = filter.agent.map(|a| crate::http::normalized_key(api, &a));
    let (mut entries, mut calls) = rows(api, &filter).await?;
    let more = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    if !fields.call.is_empty() && !calls.contains(&fields.call) {
        calls.push(fields.call.clone());
    }
    let offset = filter.offset;
    let org = api.org.clone();
    let org_path = form_urlencoded::byte_serialize(org.as_bytes()).collect::<String>();
    let template = AuditPage {
        previous: if offset > 0 {
            page_link(&org, &fields, (offset - PAGE).max(0))
        } else {
            String::new()
        },
        next: if more {
            page_link(&org, &fields, offset + PAGE)
        } else {
            String::new()
        },
        csv: format!("/v1/orgs/{org_path}/audit?{}", api_query(&filter, true)),
        last_row: offset + entries.len() as i64,
        rows: entries.iter().map(Row::from).collect(),
        outcomes: OUTCOMES.iter().map(|o| o.as_str()).collect(),
        calls,
        offset,
        fields,
        org,
        chrome,
    };
    Ok(page(&headers, StatusCode::OK, &template.chrome, &template))
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
