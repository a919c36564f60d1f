//! `GET /login`, `POST /login` and `POST /logout`: a read or ingest token exchanged for a
//! session cookie, and the cookie taken back.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::form::checked;
use super::page::{login_page, see_other, Chrome};
use super::viewer::{csrf, safe_next, Refused};
use crate::http::auth::identify;
use crate::http::orgs::Orgs;
use crate::http::session::{self, SESSION_COOKIE, SESSION_SECS};

/// Query of `GET /login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    /// Where to go once signed in.
    next: Option<String>,
}

fn refused(headers: &HeaderMap, message: &'static str) -> Refused {
    let (csrf, csrf_is_new) = csrf(headers);
    Refused {
        message,
        csrf,
        csrf_is_new,
    }
}

/// `GET /login`: the form.
pub async fn form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    let ask = refused(&headers, "Sign in with a read or ingest token.");
    login_page(&headers, StatusCode::OK, &ask, next)
}

/// `POST /login`: a valid token sets the session cookie and returns to where the viewer was
/// going; anything else shows the form again, saying why.
pub async fn sign_in(State(orgs): State<Arc<Orgs>>, headers: HeaderMap, body: Bytes) -> Response {
    let ask = refused(&headers, "");
    let chrome = Chrome::anonymous(ask.csrf.clone(), ask.csrf_is_new);
    let form = match checked(&headers, &body, &chrome, "/login") {
        Ok(form) => form,
        Err(page) => return page,
    };
    let next = safe_next(form.get("next").unwrap_or("/"));
    let server = orgs.server();
    let Some((kind, name, token)) = form.get("token").and_then(|t| identify(server, t)) else {
        let wrong = refused(&headers, "That is not a valid read or ingest token.");
        return login_page(&headers, StatusCode::UNAUTHORIZED, &wrong, next);
    };
    tracing::info!(token = name, "console sign-in");
    let expires = Utc::now().timestamp() + SESSION_SECS;
    let value = session::seal(token, kind, name, expires);
    let mut response = see_other(next);
    let cookie = session::set_cookie(&headers, SESSION_COOKIE, &value, SESSION_SECS);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// `POST /logout`: the session cookie is cleared (CSRF-checked, so another site cannot sign
/// the viewer out).
pub async fn sign_out(headers: HeaderMap, body: Bytes) -> Response {
    let ask = refused(&headers, "");
    let chrome = Chrome::anonymous(ask.csrf.clone(), ask.csrf_is_new);
    if let Err(page) = checked(&headers, &body, &chrome, "/") {
        return page;
    }
    let mut response = see_other("/login");
    let cookie = session::set_cookie(&headers, SESSION_COOKIE, "", 0);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}
