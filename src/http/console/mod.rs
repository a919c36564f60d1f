//! The operator's web console (issue 17): server-rendered HTML at `/`, one embedded stylesheet
//! at `/console.css`, no script. It reads through the same store queries as the JSON API and
//! never calls the platform. Reading it takes the token reading the API takes; without read
//! tokens configured it is open, as the API is, and says so on the page.

mod overview;

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{SecondsFormat, Utc};

use super::auth::read_access;
use super::error::ApiError;
use super::orgs::Orgs;
use overview::{org_overview, OrgOverview};

/// The stylesheet, compiled into the binary so that the console needs nothing from elsewhere.
const CSS: &str = include_str!("console.css");

/// No script, no frames, styles only from this origin: the pages need nothing else, so a
/// value that slipped past escaping could not load or run anything either.
const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// The Overview page.
#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    /// No read token is configured: anyone reaching the address reads the page.
    open: bool,
    /// When the page was made, RFC 3339.
    generated_at: String,
    /// Every org the request may read, in configuration order.
    orgs: Vec<OrgOverview>,
}

/// The page answering a request without a valid token.
#[derive(Template)]
#[template(path = "console/unauthorized.html")]
struct UnauthorizedPage {
    /// What was wrong with the request, as the API would say it.
    message: String,
}

/// `body` as an HTML page with `status`. Pages carry data an operator may not want kept, so
/// neither browsers nor proxies store them.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn render(page: &impl Template) -> Result<String, ApiError> {
    page.render().map_err(ApiError::internal)
}

/// `GET /`: the Overview of every org the request may read.
async fn overview(State(orgs): State<Arc<Orgs>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let access = match read_access(&headers, orgs.server()) {
        Ok(access) => access,
        Err(refused) => {
            let page = UnauthorizedPage {
                message: refused.message().to_string(),
            };
            let mut response = html(refused.status(), render(&page)?);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Ok(response);
        }
    };
    let now = Utc::now();
    // The lease table is the process's, not an org's: one read serves every org.
    let leases = orgs.all()[0].store.org_leases().await?;
    let mut views = Vec::new();
    for api in orgs.all().iter().filter(|a| access.allows(&a.org)) {
        let leader = leases
            .iter()
            .find(|l| l.org == api.org)
            .and_then(|l| l.holder_at(now));
        views.push(org_overview(api, leader, now).await?);
    }
    let page = OverviewPage {
        open: orgs.server().read_tokens.is_empty(),
        generated_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        orgs: views,
    };
    Ok(html(StatusCode::OK, render(&page)?))
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

/// The console's routes, at the top level: the Overview shows every org the request may read.
pub(super) fn router() -> Router<Arc<Orgs>> {
    Router::new()
        .route("/", get(overview))
        .route("/console.css", get(stylesheet))
}
