//! Bearer tokens: ingest tokens may write (feeds, approvals, runs), read tokens may read. Tokens
//! are compared in constant time and never logged; handlers learn only the token's name.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::Api;
use crate::domain::Secret;

/// The name of the ingest token a request carried.
pub struct Writer(pub String);

/// A request allowed to read.
pub struct Reader;

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    // Authentication schemes are case-insensitive (RFC 9110).
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The name of the token equal to `given`. Every token is compared, so that timing does not
/// tell which one (or how much of one) matched.
fn matching(tokens: &BTreeMap<String, Secret>, given: &str) -> Option<String> {
    let mut found = None;
    for (name, secret) in tokens {
        // Trimmed: a token read from a file often ends in a line feed no client sends.
        let expected = secret.expose().trim().as_bytes();
        if !expected.is_empty() && bool::from(expected.ct_eq(given.as_bytes())) {
            found = Some(name.clone());
        }
    }
    found
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl FromRequestParts<Arc<Api>> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<Api>,
    ) -> Result<Self, Self::Rejection> {
        let given = bearer(parts).ok_or_else(|| {
            unauthorized("an ingest token is required: Authorization: Bearer <token>")
        })?;
        matching(&ctx.server.ingest_tokens, given)
            .map(Writer)
            .ok_or_else(|| unauthorized("the token is not a valid ingest token"))
    }
}

impl FromRequestParts<Arc<Api>> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<Api>,
    ) -> Result<Self, Self::Rejection> {
        let server = &ctx.server;
        if server.read_tokens.is_empty() {
            return Ok(Reader);
        }
        let given = bearer(parts).ok_or_else(|| {
            unauthorized("a read token is required: Authorization: Bearer <token>")
        })?;
        matching(&server.read_tokens, given)
            .or_else(|| matching(&server.ingest_tokens, given))
            .map(|_| Reader)
            .ok_or_else(|| unauthorized("the token is not a valid read token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_token_matches_and_empty_tokens_never_do() {
        let tokens: BTreeMap<String, Secret> = [
            ("wfm".to_string(), Secret::from("s3cret")),
            ("off".to_string(), Secret::from("")),
        ]
        .into();
        assert_eq!(matching(&tokens, "s3cret").as_deref(), Some("wfm"));
        assert_eq!(matching(&tokens, "s3cre"), None);
        assert_eq!(matching(&tokens, ""), None);
    }

    #[test]
    fn a_configured_token_matches_without_the_line_feed_its_file_ended_with() {
        let tokens: BTreeMap<String, Secret> =
            [("wfm".to_string(), Secret::from("0123456789abcdef\n"))].into();
        assert_eq!(
            matching(&tokens, "0123456789abcdef").as_deref(),
            Some("wfm")
        );
    }
}
