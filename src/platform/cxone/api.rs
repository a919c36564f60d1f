//! The NICE CXone side of the shared transport: the access-key login, reading error bodies
//! whose shape is unconfirmed (OAuth-style, `{"message"}` or plain text), and which failures
//! are conflicts. Pacing, retries and the token cache are the transport's; nothing here
//! retries or logs a secret.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::wire::TokenResponse;
use crate::domain::Secret;
use crate::platform::error::PlatformError;
use crate::platform::transport::{without_url, Failure, Minted, Transport, Vendor};

/// The transport as the CXone connector uses it.
pub type Http = Transport<CxoneApi>;

/// Token lifetime assumed when the login answer does not say (NICE: about an hour).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3_600);
/// The longest error text kept from a plain-text body.
const MAX_TEXT: usize = 300;

/// One access key of one tenant.
pub struct CxoneApi {
    token_url: String,
    access_key_id: String,
    access_key_secret: Secret,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessKeyLogin<'a> {
    access_key_id: &'a str,
    access_key_secret: &'a str,
}

impl CxoneApi {
    /// A client that logs in at `token_url` (`{auth}/authentication/v1/token/access-key`).
    pub fn new(token_url: String, access_key_id: String, access_key_secret: Secret) -> Self {
        Self {
            token_url,
            access_key_id,
            access_key_secret,
        }
    }
}

fn unavailable(e: &reqwest::Error) -> PlatformError {
    PlatformError::Unavailable {
        attempts: 1,
        last: format!("login: {}", without_url(e)),
    }
}

fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Reads an error body liberally: `{"error","error_description"}`, `{"message"}` (also
/// `errorMessage`, `Message`, `code`, `errorCode`), or plain text (shortened).
pub fn read_failure(body: &[u8]) -> Failure {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        let first = |keys: &[&str]| {
            keys.iter()
                .map(|k| text(map.get(*k)))
                .find(|t| !t.is_empty())
                .unwrap_or_default()
        };
        return Failure {
            code: first(&["error", "code", "errorCode"]),
            message: first(&[
                "error_description",
                "message",
                "errorMessage",
                "Message",
                "error_message",
            ]),
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = match text.char_indices().nth(MAX_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    };
    Failure {
        code: String::new(),
        message,
    }
}

impl Vendor for CxoneApi {
    /// Unconfirmed which header CXone uses; absent headers read as `-`.
    const CORRELATION_HEADER: &'static str = "x-correlation-id";

    async fn mint(&self, http: &reqwest::Client) -> Result<Minted, PlatformError> {
        let response = http
            .post(&self.token_url)
            .json(&AccessKeyLogin {
                access_key_id: &self.access_key_id,
                access_key_secret: self.access_key_secret.expose(),
            })
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unavailable(&e))?;
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(PlatformError::Unavailable {
                attempts: 1,
                last: format!("login answered HTTP {status}"),
            });
        }
        if !status.is_success() {
            let failure = read_failure(&body);
            let reason = [failure.code, failure.message]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            let reason = if reason.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status} {reason}")
            };
            return Err(PlatformError::Auth(format!(
                "login with access key {} refused: {reason}",
                self.access_key_id
            )));
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| PlatformError::Decode {
                path: super::endpoints::TOKEN_PATH.into(),
                reason: e.to_string(),
            })?;
        let expires_in = parsed
            .expires_in
            .filter(|s| *s > 0)
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        tracing::debug!(access_key_id = %self.access_key_id, ?expires_in, "minted access token");
        Ok(Minted {
            token: Secret::from(parsed.access_token.as_str()),
            expires_in,
        })
    }

    fn failure(&self, body: &[u8]) -> Failure {
        read_failure(body)
    }

    /// CXone documents no conflict semantics; a 409 is taken as one all the same (re-read,
    /// never re-send).
    fn is_conflict(&self, status: u16, _failure: &Failure) -> bool {
        status == 409
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::transport::{classify, Outcome};

    #[test]
    fn error_bodies_are_read_whatever_their_shape() {
        let cases: [(&[u8], &str, &str); 6] = [
            (
                br#"{"error":"invalid_grant","error_description":"Bad key"}"#,
                "invalid_grant",
                "Bad key",
            ),
            (br#"{"message":"Skill not found"}"#, "", "Skill not found"),
            (
                br#"{"errorCode":400,"errorMessage":"Invalid body"}"#,
                "400",
                "Invalid body",
            ),
            (
                b"  Invalid request body. Expected object, but got array.\n",
                "",
                "Invalid request body. Expected object, but got array.",
            ),
            (b"", "", ""),
            (br#"["not","an","object"]"#, "", r#"["not","an","object"]"#),
        ];
        for (body, code, message) in cases {
            let f = read_failure(body);
            assert_eq!((f.code.as_str(), f.message.as_str()), (code, message));
        }
        let long = "x".repeat(1_000);
        assert_eq!(
            read_failure(long.as_bytes()).message.chars().count(),
            MAX_TEXT + 1
        );
    }

    #[test]
    fn a_409_is_a_conflict_and_the_rest_sorts_as_usual() {
        let api = CxoneApi::new("http://x".into(), "id".into(), Secret::from("s"));
        let none = Failure::default();
        let outcome = |status| classify(status, api.is_conflict(status, &none));
        assert_eq!(outcome(409), Outcome::Conflict);
        assert_eq!(outcome(400), Outcome::Rejected);
        assert_eq!(outcome(401), Outcome::Renew);
        assert_eq!(outcome(429), Outcome::Throttled);
        assert_eq!(outcome(503), Outcome::Transient);
    }
}
