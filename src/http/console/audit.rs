//! `GET /orgs/{org}/audit`: one org's audit log, newest first, filtered by a GET form and paged
//! by 100, read with the query `GET /v1/audit` uses; a bad filter value is a 400 page naming
//! its field. Must not write anything: the CSV export is the API's, linked with the filters.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use super::audit_filter::{api_query, filter, page_link, Fields, PAGE};
use super::form::Form;
use super::page::{error_page, page, stamp, Chrome};
use super::{org_page, OrgPage};
use crate::http::error::ApiError;
use crate::http::orgs::Orgs;
use crate::http::Api;
use crate::store::{AuditEntry, AuditFilter, AuditStatus};

/// The outcomes a row can have, as the form offers them.
const OUTCOMES: [AuditStatus; 5] = [
    AuditStatus::Pending,
    AuditStatus::Ok,
    AuditStatus::Failed,
    AuditStatus::Unknown,
    AuditStatus::Recorded,
];

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
            at: stamp(e.at),
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
    let OrgPage { api, chrome, .. } = match org_page(&orgs, &headers, &uri, &name) {
        Ok(page) => page,
        Err(refused) => return Ok(refused),
    };
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
