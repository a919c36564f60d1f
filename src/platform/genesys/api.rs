//! The Genesys Cloud side of the shared transport: the OAuth client-credentials login, the
//! `ErrorBody`, and which failures are version conflicts. Pacing, retries and the token cache
//! are the transport's; nothing here retries or logs a secret.

use super::wire::{ErrorBody, OAuthError, TokenResponse};
use crate::domain::Secret;
use crate::platform::error::PlatformError;
use crate::platform::transport::{without_url, Failure, Minted, Transport, Vendor};

/// The transport as the Genesys connector uses it.
pub type Http = Transport<GenesysApi>;

/// One OAuth client of one org.
pub struct GenesysApi {
    login_url: String,
    client_id: String,
    client_secret: Secret,
}

impl GenesysApi {
    /// A client that logs in at `{login_base}/oauth/token`.
    pub fn new(login_base: &str, client_id: String, client_secret: Secret) -> Self {
        Self {
            login_url: format!("{login_base}/oauth/token"),
            client_id,
            client_secret,
        }
    }
}

fn unavailable(e: &reqwest::Error) -> PlatformError {
    PlatformError::Unavailable {
        attempts: 1,
        last: format!("login: {}", without_url(e)),
    }
}

impl Vendor for GenesysApi {
    const CORRELATION_HEADER: &'static str = "inin-correlation-id";

    async fn mint(&self, http: &reqwest::Client) -> Result<Minted, PlatformError> {
        let response = http
            .post(&self.login_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unavailable(&e))?;
        if status.is_server_error() {
            return Err(PlatformError::Unavailable {
                attempts: 1,
                last: format!("login answered HTTP {status}"),
            });
        }
        if !status.is_success() {
            let reason = serde_json::from_slice::<OAuthError>(&body)
                .map(|e| e.describe())
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(PlatformError::Auth(format!(
                "login as client {} refused: {reason}",
                self.client_id
            )));
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| PlatformError::Decode {
                path: "/oauth/token".into(),
                reason: e.to_string(),
            })?;
        tracing::debug!(client_id = %self.client_id, expires_in = parsed.expires_in, "minted access token");
        Ok(Minted {
            token: Secret::from(parsed.access_token.as_str()),
            expires_in: std::time::Duration::from_secs(parsed.expires_in),
        })
    }

    fn failure(&self, body: &[u8]) -> Failure {
        let error: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        Failure {
            code: error.code,
            message: error.message,
        }
    }

    fn is_conflict(&self, status: u16, failure: &Failure) -> bool {
        // The Terraform provider treats this 400 as the same version conflict as a 409.
        status == 409
            || (status == 400
                && failure
                    .message
                    .contains("does not match the current version"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::transport::{classify, Outcome};

    fn outcome(status: u16, message: &str) -> Outcome {
        let api = GenesysApi::new("http://login", "id".into(), Secret::from("secret"));
        let failure = Failure {
            code: String::new(),
            message: message.into(),
        };
        classify(status, api.is_conflict(status, &failure))
    }

    #[test]
    fn failures_are_sorted_by_what_the_caller_can_do() {
        let cases = [
            (401, "", Outcome::Renew),
            (429, "", Outcome::Throttled),
            (409, "", Outcome::Conflict),
            (
                400,
                "Version 3 does not match the current version 4",
                Outcome::Conflict,
            ),
            (400, "invalid skill", Outcome::Rejected),
            (404, "", Outcome::Rejected),
            (503, "", Outcome::Transient),
            (504, "", Outcome::Transient),
            (501, "", Outcome::Rejected),
        ];
        for (status, message, expected) in cases {
            assert_eq!(outcome(status, message), expected, "{status} {message}");
        }
    }
}
