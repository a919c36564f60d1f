//! Who is looking at a console page: a bearer token (as the API takes it), a sign-in session,
//! or nobody on a console left open; what they may read and decide; and the CSRF token their
//! forms carry.

use axum::http::HeaderMap;
use chrono::Utc;

use crate::http::auth::{bearer_token, identify, ReadAccess};
use crate::http::session::{self, Session, TokenKind};
use crate::http::{ApiToken, ServerSettings};

/// The ingest token a viewer may approve and reject with.
pub struct Decider<'a> {
    /// Its name: the actor the audit records.
    pub name: &'a str,
    /// Its entry (which orgs it may decide for).
    pub token: &'a ApiToken,
}

/// A viewer allowed to read.
pub struct Viewer<'a> {
    /// The orgs they may read.
    pub access: ReadAccess<'a>,
    /// Signed in with an ingest token (by session or bearer): may decide without giving it.
    pub decider: Option<Decider<'a>>,
    /// Signed in through the login form: the page offers to sign out.
    pub signed_in: Option<&'a str>,
    /// Reading is open: no read token is configured.
    pub open: bool,
    /// The CSRF token the page's forms carry.
    pub csrf: String,
    /// The CSRF token is new: the response must set its cookie.
    pub csrf_is_new: bool,
}

impl Viewer<'_> {
    /// Whether `org` may be read.
    pub fn reads(&self, org: &str) -> bool {
        self.access.allows(org)
    }

    /// The name of the ingest token that may decide for `org` without being given again.
    pub fn decider_for(&self, org: &str) -> Option<&str> {
        self.decider
            .as_ref()
            .filter(|d| d.token.allows(org))
            .map(|d| d.name)
    }
}

/// Why a request may not read: what the login page says.
pub struct Refused {
    /// A sentence for the page.
    pub message: &'static str,
    /// The CSRF token the login form carries.
    pub csrf: String,
    /// Whether its cookie must be set.
    pub csrf_is_new: bool,
}

/// The request's CSRF token, or a new one.
pub fn csrf(headers: &HeaderMap) -> (String, bool) {
    match session::csrf_of(headers) {
        Some(token) => (token.to_string(), false),
        None => (session::new_csrf(), true),
    }
}

/// Who sent `headers`. A bearer token wins over a session cookie, as an API client's would;
/// a wrong bearer token is refused rather than read as no token.
pub fn viewer<'a>(headers: &HeaderMap, server: &'a ServerSettings) -> Result<Viewer<'a>, Refused> {
    let (csrf, csrf_is_new) = csrf(headers);
    let open = server.read_tokens.is_empty();
    let refuse = |message| Refused {
        message,
        csrf: csrf.clone(),
        csrf_is_new,
    };
    let (kind, name, token, signed_in) = if let Some(given) = bearer_token(headers) {
        let Some((kind, name, token)) = identify(server, given) else {
            return Err(refuse(
                "The token sent is not a valid read or ingest token.",
            ));
        };
        (kind, name, token, false)
    } else if let Some(Session { kind, name, token }) =
        session::cookie(headers, session::SESSION_COOKIE)
            .and_then(|value| session::open(value, server, Utc::now().timestamp()))
    {
        (kind, name, token, true)
    } else if open {
        return Ok(Viewer {
            access: ReadAccess::All,
            decider: None,
            signed_in: None,
            open,
            csrf,
            csrf_is_new,
        });
    } else if session::cookie(headers, session::SESSION_COOKIE).is_some() {
        return Err(refuse(
            "Your sign-in has ended or its token was withdrawn: sign in again.",
        ));
    } else {
        return Err(refuse(
            "Sign in with a read or ingest token to see this console.",
        ));
    };
    Ok(Viewer {
        access: if open {
            ReadAccess::All
        } else {
            ReadAccess::of(token)
        },
        decider: (kind == TokenKind::Ingest).then_some(Decider { name, token }),
        signed_in: signed_in.then_some(name),
        open,
        csrf,
        csrf_is_new,
    })
}

/// The path and query a request asked for, to come back to after signing in. Only a path on
/// this site is kept: anything else would make the login form an open redirect.
pub fn return_path(uri: &axum::http::Uri) -> String {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    safe_next(path).to_string()
}

/// `next` when it is a path on this site, `/` otherwise.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local && !next.chars().any(char::is_control) {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next("/orgs/acme/jobs/3?x=1"), "/orgs/acme/jobs/3?x=1");
        for other in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "",
            "x",
        ] {
            assert_eq!(safe_next(other), "/", "{other}");
        }
    }
}
