//! What every console page shares: the frame around it (navigation, sign-out, the open
//! banner), the headers it is sent with, and the pages for errors and signing in.

use askama::Template;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};

use super::viewer::{Refused, Viewer};
use crate::http::error::ApiError;
use crate::http::orgs::Orgs;
use crate::http::session::{self, CSRF_COOKIE, SESSION_SECS};

/// `at` as every page shows instants: RFC 3339 in UTC, to the second.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// No script, no frames, styles only from this origin: the pages need nothing else, so a
/// value that slipped past escaping could not load or run anything either.
const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// The frame of every page.
pub struct Chrome {
    /// Reading is open: the page says so.
    pub open: bool,
    /// The token name signed in with; empty when not signed in.
    pub signed_in: String,
    /// Show a "Sign in" link: not signed in, and there is a token to sign in with.
    pub offers_sign_in: bool,
    /// The CSRF token the page's forms carry.
    pub csrf: String,
    /// The orgs the viewer may read, for the navigation.
    pub orgs: Vec<String>,
    /// The CSRF cookie must be set with the page.
    csrf_is_new: bool,
}

impl Chrome {
    /// The frame for `viewer`, naming the orgs of `orgs` they may read.
    pub fn new(viewer: &Viewer<'_>, orgs: &Orgs) -> Self {
        let server = orgs.server();
        Self {
            open: viewer.open,
            signed_in: viewer.signed_in.unwrap_or_default().to_string(),
            offers_sign_in: viewer.signed_in.is_none() && !server.ingest_tokens.is_empty(),
            csrf: viewer.csrf.clone(),
            orgs: orgs
                .all()
                .iter()
                .filter(|a| viewer.reads(&a.org))
                .map(|a| a.org.clone())
                .collect(),
            csrf_is_new: viewer.csrf_is_new,
        }
    }

    /// The frame of a page shown to someone not (or no longer) signed in.
    pub fn anonymous(csrf: String, csrf_is_new: bool) -> Self {
        Self {
            open: false,
            signed_in: String::new(),
            offers_sign_in: false,
            csrf,
            orgs: Vec::new(),
            csrf_is_new,
        }
    }
}

/// `body` as an HTML page with `status`. Pages carry data an operator may not want kept, so
/// neither browsers nor proxies store them.
pub fn html(status: StatusCode, body: String) -> Response {
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

/// `template` rendered as a page with `status`, setting the CSRF cookie when `chrome` made a
/// new token. `request` is what the browser sent (whether it came over HTTPS).
pub fn page(
    request: &HeaderMap,
    status: StatusCode,
    chrome: &Chrome,
    template: &impl Template,
) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let mut response = html(status, body);
    if chrome.csrf_is_new {
        let cookie = session::set_cookie(request, CSRF_COOKIE, &chrome.csrf, SESSION_SECS);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A redirect to `to` after a form, as `303 See Other` so the browser reloads it with `GET`.
pub fn see_other(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// A page saying what went wrong.
#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    title: &'a str,
    message: &'a str,
    back: &'a str,
}

/// An error page: `title` as its heading, `message` below, and a link `back`.
pub fn error_page(
    request: &HeaderMap,
    status: StatusCode,
    chrome: &Chrome,
    (title, message, back): (&str, &str, &str),
) -> Response {
    let template = ErrorPage {
        chrome,
        title,
        message,
        back,
    };
    page(request, status, chrome, &template)
}

/// The sign-in form.
#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage<'a> {
    chrome: &'a Chrome,
    message: &'a str,
    next: &'a str,
    hours: i64,
}

/// The sign-in form with `status`, saying `message`, returning to `next` once signed in.
pub fn login_page(
    request: &HeaderMap,
    status: StatusCode,
    refused: &Refused,
    next: &str,
) -> Response {
    let chrome = Chrome::anonymous(refused.csrf.clone(), refused.csrf_is_new);
    let template = LoginPage {
        chrome: &chrome,
        message: refused.message,
        next,
        hours: SESSION_SECS / 3600,
    };
    let mut response = page(request, status, &chrome, &template);
    if status == StatusCode::UNAUTHORIZED {
        // The API's scheme, for clients that read it; browsers show the form.
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}
