//! The feeds pages: `GET /orgs/{org}/feeds` (newest first, 50 a page) and
//! `GET /orgs/{org}/feeds/{id}` (one feed, with a rejected feed's row errors as a table).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::agent::segment;
use super::page::{error_page, page, stamp, Chrome};
use super::{org_page, OrgPage};
use crate::http::error::ApiError;
use crate::http::orgs::Orgs;
use crate::http::views::Feed;

/// Feeds a page lists.
const PER_PAGE: i64 = 50;

/// Row errors a feed's page lists before saying how many more there are.
const ERROR_ROWS: usize = 1000;

/// A feed as the pages show it.
pub struct FeedRow {
    /// Id.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// `partial` or `snapshot`.
    pub scope: String,
    /// `csv` or `json`.
    pub format: String,
    /// `accepted`, `rejected`, `unchanged`, `held` or `withdrawn`.
    pub status: String,
    /// When it arrived, RFC 3339.
    pub received_at: String,
    /// Agents listed.
    pub agents: i32,
    /// Skill, language and certification assignments.
    pub assignments: (i32, i32, i32),
    /// The job it started.
    pub job_id: Option<i64>,
}

impl From<&Feed> for FeedRow {
    fn from(f: &Feed) -> Self {
        Self {
            id: f.id,
            source: f.source.clone(),
            scope: f.scope.clone(),
            format: f.format.clone(),
            status: f.status.clone(),
            received_at: stamp(f.received_at),
            agents: f.agents,
            assignments: (f.skills, f.languages, f.certifications),
            job_id: f.job_id,
        }
    }
}

/// One row error of a rejected feed, as `GET /v1/feeds/{id}` reports it.
pub struct RowError {
    /// Where: `line 3`, a JSON pointer, `file`.
    pub line: String,
    /// The column or field; empty when the error is not about one.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The feeds page.
#[derive(Template)]
#[template(path = "console/feeds.html")]
struct FeedsPage {
    chrome: Chrome,
    org: String,
    feeds: Vec<FeedRow>,
    /// Feeds in all.
    total: i64,
    /// The first row's place (0-based).
    offset: i64,
    /// The previous page's offset, when there is one.
    previous: Option<i64>,
    /// The next page's offset, when there is one.
    next: Option<i64>,
}

/// One feed's page.
#[derive(Template)]
#[template(path = "console/feed.html")]
struct FeedPage {
    chrome: Chrome,
    org: String,
    feed: FeedRow,
    /// Row errors shown.
    errors: Vec<RowError>,
    /// Row errors found in all (stored or not).
    error_total: u64,
    /// Warnings.
    warnings: Vec<String>,
}

/// Query of the feeds page.
#[derive(Debug, Deserialize)]
pub(super) struct Paging {
    /// Text, so that a hand-edited value shows the first page rather than an API error.
    offset: Option<String>,
}

/// `GET /orgs/{org}/feeds`.
pub(super) async fn feeds(
    State(orgs): State<Arc<Orgs>>,
    Path(org): Path<String>,
    Query(paging): Query<Paging>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let OrgPage { api, chrome, .. } = match org_page(&orgs, &headers, &uri, &org) {
        Ok(page) => page,
        Err(refused) => return Ok(refused),
    };
    let offset = paging
        .offset
        .and_then(|o| o.trim().parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let (records, total) = api.store.feeds(PER_PAGE, offset).await?;
    let feeds = records
        .iter()
        .map(|r| FeedRow::from(&Feed::from(r)))
        .collect();
    let (previous, next) = neighbours(offset, total);
    let template = FeedsPage {
        chrome,
        org,
        feeds,
        total,
        offset,
        previous,
        next,
    };
    Ok(page(&headers, StatusCode::OK, &template.chrome, &template))
}

/// The offsets of the pages before and after the one at `offset`, where there are such pages.
fn neighbours(offset: i64, total: i64) -> (Option<i64>, Option<i64>) {
    (
        (offset > 0).then(|| offset.saturating_sub(PER_PAGE).max(0)),
        (offset.saturating_add(PER_PAGE) < total).then(|| offset + PER_PAGE),
    )
}

/// `GET /orgs/{org}/feeds/{id}`.
pub(super) async fn feed(
    State(orgs): State<Arc<Orgs>>,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let OrgPage { api, chrome, .. } = match org_page(&orgs, &headers, &uri, &org) {
        Ok(page) => page,
        Err(refused) => return Ok(refused),
    };
    // Not a number is as absent as a number no feed has: one page for both.
    let record = match id.parse::<i64>() {
        Ok(n) => api.store.feed(n).await?,
        Err(_) => None,
    };
    let Some(record) = record else {
        return Ok(error_page(
            &headers,
            StatusCode::NOT_FOUND,
            &chrome,
            (
                "No such feed",
                &format!("Org {org} has no feed {id:?}."),
                &format!("/orgs/{}/feeds", segment(&org)),
            ),
        ));
    };
    let feed = Feed::from(&record);
    let (errors, error_total) = row_errors(feed.errors.as_ref());
    let template = FeedPage {
        warnings: warnings(feed.warnings.as_ref()),
        feed: FeedRow::from(&feed),
        errors,
        error_total,
        chrome,
        org,
    };
    Ok(page(&headers, StatusCode::OK, &template.chrome, &template))
}

/// Text of a stored value: strings as they are, anything else as JSON, nothing as empty.
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The first [`ERROR_ROWS`] row errors as stored (`{errors: [{location, field, message}],
/// total}`), and how many were found in all.
fn row_errors(stored: Option<&Value>) -> (Vec<RowError>, u64) {
    let items = stored
        .and_then(|v| v.get("errors"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let total = stored
        .and_then(|v| v.get("total"))
        .and_then(Value::as_u64)
        .unwrap_or(items.len() as u64)
        .max(items.len() as u64);
    let rows = items
        .iter()
        .take(ERROR_ROWS)
        .map(|e| RowError {
            line: text(e.get("location")),
            field: text(e.get("field")),
            message: text(e.get("message")),
        })
        .collect();
    (rows, total)
}

/// Warnings as stored (`{warnings: [text], not_shown}`).
fn warnings(stored: Option<&Value>) -> Vec<String> {
    stored
        .and_then(|v| v.get("warnings"))
        .and_then(Value::as_array)
        .map(|items| items.iter().map(|w| text(Some(w))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{neighbours, row_errors, warnings};

    #[test]
    fn pages_link_to_their_neighbours_only_where_there_are_feeds() {
        assert_eq!(neighbours(0, 10), (None, None));
        assert_eq!(neighbours(0, 51), (None, Some(50)));
        assert_eq!(neighbours(50, 51), (Some(0), None));
        assert_eq!(neighbours(70, 200), (Some(20), Some(120)));
        assert_eq!(neighbours(i64::MAX, 3), (Some(i64::MAX - 50), None));
    }
    use serde_json::json;

    #[test]
    fn row_errors_are_read_as_stored_and_counted_with_those_not_stored() {
        let stored = json!({
            "errors": [
                {"location": "line 3", "field": "proficiency", "message": "bad <value>"},
                {"location": "file", "field": null, "message": "empty"}
            ],
            "not_shown": 5,
            "total": 7
        });
        let (rows, total) = row_errors(Some(&stored));
        assert_eq!(total, 7);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].line.as_str(), rows[0].field.as_str()),
            ("line 3", "proficiency")
        );
        assert_eq!(rows[0].message, "bad <value>");
        assert_eq!(rows[1].field, "");
        assert_eq!(row_errors(None).1, 0);
    }

    #[test]
    fn warnings_are_read_as_stored() {
        let stored = json!({"warnings": ["a", "b"], "not_shown": 0});
        assert_eq!(warnings(Some(&stored)), ["a", "b"]);
        assert!(warnings(None).is_empty());
    }
}
