//! The web console's cookies: a sign-in session and a CSRF token.
//!
//! The session holds no secret and needs no table: it names the token signed in with and when
//! the session ends, sealed with an HMAC keyed by that token. Every replica can check it from
//! the configuration alone, and taking a token out of the configuration ends its sessions.
//! The CSRF token is a random value kept in a cookie and repeated in every form. A form posted
//! from another site cannot read the cookie, so it cannot repeat the value.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, HeaderValue};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{ApiToken, ServerSettings};

/// Which table a token was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `server.read_tokens`: may read.
    Read,
    /// `server.ingest_tokens`: may write, and read what it may write.
    Ingest,
}

impl TokenKind {
    /// The table's configured tokens.
    pub fn tokens(self, server: &ServerSettings) -> &BTreeMap<String, ApiToken> {
        match self {
            Self::Read => &server.read_tokens,
            Self::Ingest => &server.ingest_tokens,
        }
    }
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "skillsync_session";

/// The CSRF cookie's name; forms carry the same value in the field [`CSRF_FIELD`].
pub const CSRF_COOKIE: &str = "skillsync_csrf";

/// The hidden form field holding the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// How long a sign-in lasts: one working shift, after which the token is asked for again.
pub const SESSION_SECS: i64 = 12 * 60 * 60;

/// Random bytes in a CSRF token.
const CSRF_BYTES: usize = 32;

/// A session cookie's format version: a change of format ends old sessions instead of
/// misreading them.
const VERSION: &str = "v1";

/// A valid session: the token signed in with.
pub struct Session<'a> {
    /// Which table the token is in.
    pub kind: TokenKind,
    /// The token's name.
    pub name: &'a str,
    /// Its entry.
    pub token: &'a ApiToken,
}

fn kind_str(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Read => "read",
        TokenKind::Ingest => "ingest",
    }
}

fn seal_mac(token: &ApiToken, kind: TokenKind, name: &str, expires: i64) -> Vec<u8> {
    // Keyed as tokens are compared: trimmed of the line feed a token file ends with.
    let key = token.expose().trim().as_bytes();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new(); // unreachable: HMAC takes keys of any length
    };
    mac.update(b"skillsync console session\0");
    mac.update(kind_str(kind).as_bytes());
    mac.update(b"\0");
    mac.update(name.as_bytes());
    mac.update(b"\0");
    mac.update(expires.to_string().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The cookie value of a session for the token `name` of `kind`, ending at `expires` (Unix
/// seconds).
pub fn seal(token: &ApiToken, kind: TokenKind, name: &str, expires: i64) -> String {
    format!(
        "{VERSION}.{}.{}.{expires}.{}",
        kind_str(kind),
        hex::encode(name),
        hex::encode(seal_mac(token, kind, name, expires))
    )
}

/// The session `value` proves, at `now` (Unix seconds): none when it is malformed, expired,
/// forged, or its token is no longer configured.
pub fn open<'a>(value: &str, server: &'a ServerSettings, now: i64) -> Option<Session<'a>> {
    let mut parts = value.split('.');
    let (version, kind, name, expires, mac) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if version != VERSION || parts.next().is_some() {
        return None;
    }
    let kind = match kind {
        "read" => TokenKind::Read,
        "ingest" => TokenKind::Ingest,
        _ => return None,
    };
    let name = String::from_utf8(hex::decode(name).ok()?).ok()?;
    let expires: i64 = expires.parse().ok()?;
    if expires <= now {
        return None;
    }
    let (name, token) = kind.tokens(server).get_key_value(name.as_str())?;
    let given = hex::decode(mac).ok()?;
    let expected = seal_mac(token, kind, name, expires);
    bool::from(expected.ct_eq(&given)).then_some(Session { kind, name, token })
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// The request's CSRF token when it carries a well-formed one.
pub fn csrf_of(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, CSRF_COOKIE)
        .filter(|v| v.len() == CSRF_BYTES * 2 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A new CSRF token.
pub fn new_csrf() -> String {
    let mut bytes = [0u8; CSRF_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether a form's `given` CSRF value is the request's cookie, and the request came from this
/// site. Browsers name the site a request came from (`Sec-Fetch-Site`, `Origin`); where they
/// do, anything but this origin is refused even with a matching token.
pub fn csrf_holds(headers: &HeaderMap, given: Option<&str>) -> bool {
    let same_site = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => origin_is_host(headers),
    };
    let matches = match (csrf_of(headers), given) {
        (Some(cookie), Some(given)) => bool::from(cookie.as_bytes().ct_eq(given.as_bytes())),
        _ => false,
    };
    same_site && matches
}

/// No `Origin`, or one naming the `Host` the request was sent to.
fn origin_is_host(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    host.is_some() && origin_host == host
}

/// The request reached the daemon over HTTPS through a proxy: cookies are then marked
/// `Secure`, so that a browser never sends them over plain HTTP.
fn behind_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: never readable by script, never sent with another site's requests.
pub fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if behind_https(headers) {
        "; Secure"
    } else {
        ""
    };
    let text =
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Secret;

    fn server() -> ServerSettings {
        let mut server = ServerSettings::default();
        server
            .read_tokens
            .insert("ops".into(), Secret::from("read-token-0123456789").into());
        server
            .ingest_tokens
            .insert("wfm".into(), Secret::from("ingest-token-0123456789").into());
        server
    }

    #[test]
    fn a_sealed_session_opens_until_it_ends_and_only_for_its_own_token() {
        let server = server();
        let wfm = &server.ingest_tokens["wfm"];
        let value = seal(wfm, TokenKind::Ingest, "wfm", 1_000);
        let session = open(&value, &server, 999).map(|s| (s.kind, s.name));
        assert_eq!(session, Some((TokenKind::Ingest, "wfm")));
        assert!(open(&value, &server, 1_000).is_none(), "ended");
        // Claiming the read table, another expiry, or a MAC made with another token fails.
        let as_read = value.replacen("ingest", "read", 1);
        assert!(open(&as_read, &server, 0).is_none());
        let later = value.replacen(".1000.", ".9999.", 1);
        assert!(open(&later, &server, 0).is_none());
        let ops = &server.read_tokens["ops"];
        let forged = seal(ops, TokenKind::Ingest, "wfm", 1_000);
        assert!(open(&forged, &server, 0).is_none());
        for junk in [
            "",
            "v1",
            "v1.read.00.1.00",
            "v2.read.6f7073.5.00",
            "v1.read.zz.5.00",
        ] {
            assert!(open(junk, &server, 0).is_none(), "{junk}");
        }
    }

    #[test]
    fn a_session_ends_when_its_token_leaves_the_configuration() {
        let mut server = server();
        let value = seal(&server.read_tokens["ops"], TokenKind::Read, "ops", 1_000);
        assert!(open(&value, &server, 0).is_some());
        server.read_tokens.clear();
        assert!(open(&value, &server, 0).is_none());
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).expect("ascii"));
        }
        headers
    }

    #[test]
    fn csrf_needs_the_cookie_repeated_and_this_origin() {
        let token = new_csrf();
        let cookie = format!("a=b; {CSRF_COOKIE}={token}");
        let ok = headers(&[("cookie", &cookie), ("sec-fetch-site", "same-origin")]);
        assert!(csrf_holds(&ok, Some(&token)));
        assert!(!csrf_holds(&ok, None), "no field");
        assert!(!csrf_holds(&ok, Some(&new_csrf())), "another value");
        assert!(!csrf_holds(&headers(&[]), Some(&token)), "no cookie");
        let cross = headers(&[("cookie", &cookie), ("sec-fetch-site", "cross-site")]);
        assert!(!csrf_holds(&cross, Some(&token)));
        let here = [("cookie", cookie.as_str()), ("host", "127.0.0.1:8080")];
        let mut same = here.to_vec();
        same.push(("origin", "http://127.0.0.1:8080"));
        assert!(csrf_holds(&headers(&same), Some(&token)));
        let mut other = here.to_vec();
        other.push(("origin", "https://evil.example"));
        assert!(!csrf_holds(&headers(&other), Some(&token)));
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_behind_https() {
        let plain = set_cookie(&HeaderMap::new(), SESSION_COOKIE, "x", 60);
        assert_eq!(
            plain.to_str().ok(),
            Some("skillsync_session=x; Path=/; Max-Age=60; HttpOnly; SameSite=Strict")
        );
        let proxied = set_cookie(&headers(&[("x-forwarded-proto", "https")]), "a", "b", 1);
        assert!(proxied.to_str().is_ok_and(|v| v.ends_with("; Secure")));
    }
}
