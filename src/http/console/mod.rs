//! The operator's web console (issue 17): server-rendered HTML at `/`, one embedded stylesheet
//! at `/console.css`, no script. It reads through the same store queries as the JSON API and
//! never calls the platform. Reading it takes the token reading the API takes, sent as a
//! bearer header or exchanged for a session cookie at `/login`; without read tokens configured
//! it is open, as the API is, and says so on every page. Forms that change anything carry a
//! CSRF token.

// Handlers here stop early with a page to send (`Result<_, Response>`): the response is built
// once per request and sent at once, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

mod agent;
mod agent_data;
mod audit;
mod audit_filter;
mod changes;
mod chart;
pub mod expiring;
mod feeds;
mod form;
pub mod history;
mod job;
mod login;
mod overview;
mod page;
mod plan_view;
mod viewer;

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;

use super::error::ApiError;
use super::orgs::Orgs;
use super::Api;
use overview::{org_overview, OrgOverview};
use page::{error_page, login_page, page, Chrome};
use viewer::{return_path, Viewer};

/// The stylesheet, compiled into the binary so that the console needs nothing from elsewhere.
const CSS: &str = include_str!("console.css");

/// The viewer of a request, or the sign-in form (401) returning to the page asked for.
pub(super) fn look<'a>(
    orgs: &'a Orgs,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Viewer<'a>, Response> {
    viewer::viewer(headers, orgs.server()).map_err(|refused| {
        login_page(
            headers,
            StatusCode::UNAUTHORIZED,
            &refused,
            &return_path(uri),
        )
    })
}

/// The org named `name` when `viewer` may read it; the 404 page otherwise, which does not
/// tell an org the viewer may not read from one that does not exist.
pub(super) fn readable_org<'a>(
    orgs: &'a Orgs,
    viewer: &Viewer<'_>,
    headers: &HeaderMap,
    name: &str,
) -> Result<&'a Arc<Api>, Response> {
    match orgs.get(name).filter(|api| viewer.reads(&api.org)) {
        Some(api) => Ok(api),
        None => Err(error_page(
            headers,
            StatusCode::NOT_FOUND,
            &Chrome::new(viewer, orgs),
            (
                "No such org",
                &format!("There is no org {name:?} that you may read."),
                "/",
            ),
        )),
    }
}

/// What a page under `/orgs/{org}/…` works with.
pub(super) struct OrgPage<'a> {
    /// Who is looking.
    pub viewer: Viewer<'a>,
    /// The org, which they may read.
    pub api: &'a Arc<Api>,
    /// The page's frame.
    pub chrome: Chrome,
}

/// The viewer, org and frame of a page of org `name`; the sign-in page (401) or the 404 page
/// when there is none.
pub(super) fn org_page<'a>(
    orgs: &'a Orgs,
    headers: &HeaderMap,
    uri: &Uri,
    name: &str,
) -> Result<OrgPage<'a>, Response> {
    let viewer = look(orgs, headers, uri)?;
    let api = readable_org(orgs, &viewer, headers, name)?;
    let chrome = Chrome::new(&viewer, orgs);
    Ok(OrgPage {
        viewer,
        api,
        chrome,
    })
}

/// The Overview page.
#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    /// When the page was made, RFC 3339.
    generated_at: String,
    /// Every org the request may read, in configuration order.
    orgs: Vec<OrgOverview>,
}

/// `GET /`: the Overview of every org the request may read.
async fn overview(
    State(orgs): State<Arc<Orgs>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let viewer = match look(&orgs, &headers, &uri) {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login),
    };
    let now = Utc::now();
    // The lease table is the process's, not an org's: one read serves every org.
    let leases = orgs.all()[0].store.org_leases().await?;
    let mut views = Vec::new();
    for api in orgs.all().iter().filter(|a| viewer.reads(&a.org)) {
        let leader = leases
            .iter()
            .find(|l| l.org == api.org)
            .and_then(|l| l.holder_at(now));
        views.push(org_overview(api, leader, now).await?);
    }
    let chrome = Chrome::new(&viewer, &orgs);
    let template = OverviewPage {
        generated_at: page::stamp(now),
        orgs: views,
        chrome,
    };
    Ok(page(&headers, StatusCode::OK, &template.chrome, &template))
}

/// `GET /console.css`: holds no data, so it needs no token.
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        CSS,
    )
        .into_response()
}

/// `GET /favicon.ico`: browsers ask for it unbidden; no icon, and no 404 in their consoles.
async fn favicon() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "max-age=86400")],
    )
        .into_response()
}

/// The console's routes, at the top level: the Overview shows every org the request may read.
pub(super) fn router() -> Router<Arc<Orgs>> {
    Router::new()
        .route("/", get(overview))
        .route("/console.css", get(stylesheet))
        .route("/favicon.ico", get(favicon))
        .route("/orgs/{org}/audit", get(audit::audit))
        .route("/login", get(login::form).post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .route("/orgs/{org}/jobs/{id}", get(job::show))
        .route("/orgs/{org}/jobs/{id}/approve", post(job::approve))
        .route("/orgs/{org}/jobs/{id}/reject", post(job::reject))
        .route("/orgs/{org}/agents", get(agent::lookup))
        .route("/orgs/{org}/agents/{key}", get(agent::agent))
        .route("/orgs/{org}/feeds", get(feeds::feeds))
        .route("/orgs/{org}/feeds/{id}", get(feeds::feed))
}
