//! Bearer tokens: ingest tokens may write (feeds, approvals, runs), read tokens may read, each
//! on every org or only on the orgs it names. Tokens are compared in constant time and never
//! logged; handlers learn only the token's name.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::session::{self, TokenKind, SESSION_COOKIE};
use super::{Api, ApiToken, ServerSettings};

/// The name of the ingest token a request carried.
pub struct Writer(pub String);

/// A request allowed to read.
pub struct Reader;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    // Authentication schemes are case-insensitive (RFC 9110).
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The name and entry of the token equal to `given`. Every token is compared, so that timing
/// does not tell which one (or how much of one) matched.
fn matching<'a>(
    tokens: &'a BTreeMap<String, ApiToken>,
    given: &str,
) -> Option<(&'a str, &'a ApiToken)> {
    let mut found = None;
    for (name, token) in tokens {
        // Trimmed: a token read from a file often ends in a line feed no client sends.
        let expected = token.expose().trim().as_bytes();
        if !expected.is_empty() && bool::from(expected.ct_eq(given.as_bytes())) {
            found = Some((name.as_str(), token));
        }
    }
    found
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// A valid token used on an org it is not limited to. Names the org, never the token.
fn forbidden(org: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("the token may not be used for org {org:?}"),
    )
}

/// Which orgs a request may read.
pub enum ReadAccess<'a> {
    /// Every org: an unlimited token, or reads are open.
    All,
    /// Only these.
    Only(&'a [String]),
}

impl ReadAccess<'_> {
    /// Whether `org` may be read.
    pub fn allows(&self, org: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(orgs) => orgs.iter().any(|o| o == org),
        }
    }
}

impl<'a> ReadAccess<'a> {
    /// What `token` may read.
    pub fn of(token: &'a ApiToken) -> Self {
        token.orgs().map_or(Self::All, Self::Only)
    }
}

/// The configured token equal to `given`: its table, name and entry. A read token is looked
/// for first, as reading is what most requests do.
pub fn identify<'a>(
    server: &'a ServerSettings,
    given: &str,
) -> Option<(TokenKind, &'a str, &'a ApiToken)> {
    [TokenKind::Read, TokenKind::Ingest]
        .into_iter()
        .find_map(|kind| matching(kind.tokens(server), given).map(|(n, t)| (kind, n, t)))
}

/// The bearer token a request carried, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    bearer(headers)
}

/// What the request's token may read: a read token, or an ingest token (which may read what it
/// may write); open when no read tokens are configured.
pub fn read_access<'a>(
    headers: &HeaderMap,
    server: &'a ServerSettings,
) -> Result<ReadAccess<'a>, ApiError> {
    if server.read_tokens.is_empty() {
        return Ok(ReadAccess::All);
    }
    let Some(given) = bearer(headers) else {
        // The console's sign-in is a read too: its CSV export links land here. Only reads take
        // the cookie; writes need the bearer header, so no other site can make a browser write.
        let now = chrono::Utc::now().timestamp();
        return session::cookie(headers, SESSION_COOKIE)
            .and_then(|value| session::open(value, server, now))
            .map(|s| ReadAccess::of(s.token))
            .ok_or_else(|| {
                unauthorized("a read token is required: Authorization: Bearer <token>")
            });
    };
    let (_, _, token) = identify(server, given)
        .ok_or_else(|| unauthorized("the token is not a valid read token"))?;
    Ok(ReadAccess::of(token))
}

impl FromRequestParts<Arc<Api>> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<Api>,
    ) -> Result<Self, Self::Rejection> {
        let given = bearer(&parts.headers).ok_or_else(|| {
            unauthorized("an ingest token is required: Authorization: Bearer <token>")
        })?;
        let (name, token) = matching(&ctx.server.ingest_tokens, given)
            .ok_or_else(|| unauthorized("the token is not a valid ingest token"))?;
        if !token.allows(&ctx.org) {
            return Err(forbidden(&ctx.org));
        }
        Ok(Writer(name.to_string()))
    }
}

impl FromRequestParts<Arc<Api>> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<Api>,
    ) -> Result<Self, Self::Rejection> {
        if read_access(&parts.headers, &ctx.server)?.allows(&ctx.org) {
            Ok(Reader)
        } else {
            Err(forbidden(&ctx.org))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Secret;

    #[test]
    fn only_an_exact_token_matches_and_empty_tokens_never_do() {
        let tokens: BTreeMap<String, ApiToken> = [
            ("wfm".to_string(), Secret::from("s3cret").into()),
            ("off".to_string(), Secret::from("").into()),
        ]
        .into();
        assert_eq!(matching(&tokens, "s3cret").map(|m| m.0), Some("wfm"));
        assert!(matching(&tokens, "s3cre").is_none());
        assert!(matching(&tokens, "").is_none());
    }

    #[test]
    fn a_configured_token_matches_without_the_line_feed_its_file_ended_with() {
        let tokens: BTreeMap<String, ApiToken> =
            [("wfm".to_string(), Secret::from("0123456789abcdef\n").into())].into();
        assert_eq!(
            matching(&tokens, "0123456789abcdef").map(|m| m.0),
            Some("wfm")
        );
    }
}
