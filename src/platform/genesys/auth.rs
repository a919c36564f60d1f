//! OAuth client credentials: one cached token per client, shared by every task, renewed shortly
//! before it expires and once when the API answers 401. Tokens are never logged.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::calls;
use super::wire::{OAuthError, TokenResponse};
use crate::domain::Secret;
use crate::platform::calls::CallStats;
use crate::platform::error::PlatformError;

/// Mints and caches the access token.
pub struct TokenSource {
    url: String,
    client_id: String,
    client_secret: Secret,
    cached: Mutex<Option<Cached>>,
}

struct Cached {
    token: Secret,
    renew_at: Instant,
}

/// How long before expiry a token is renewed: a tenth of its life, at most a minute.
fn renewal_margin(expires_in: Duration) -> Duration {
    (expires_in / 10).min(Duration::from_secs(60))
}

impl TokenSource {
    /// A source that logs in at `{login_base}/oauth/token`.
    pub fn new(login_base: &str, client_id: String, client_secret: Secret) -> Self {
        Self {
            url: format!("{login_base}/oauth/token"),
            client_id,
            client_secret,
            cached: Mutex::new(None),
        }
    }

    /// The current token, minting one if there is none or it is about to expire. Concurrent
    /// callers wait for one mint instead of each minting their own (the login endpoint
    /// rate-limits parallel mints).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        stats: &CallStats,
    ) -> Result<Secret, PlatformError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(c.token.clone());
            }
        }
        let (token, expires_in) = self.mint_with_retries(http, stats).await?;
        *cached = Some(Cached {
            token: token.clone(),
            renew_at: Instant::now() + expires_in.saturating_sub(renewal_margin(expires_in)),
        });
        Ok(token)
    }

    /// Drops `rejected` from the cache (after a 401), unless another task already replaced it.
    pub async fn invalidate(&self, rejected: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached
            .as_ref()
            .is_some_and(|c| c.token.expose() == rejected.expose())
        {
            *cached = None;
        }
    }

    /// Mints, retrying a login service that is briefly unavailable (5xx, connection errors)
    /// with exponential backoff; refused credentials fail at once.
    async fn mint_with_retries(
        &self,
        http: &reqwest::Client,
        stats: &CallStats,
    ) -> Result<(Secret, Duration), PlatformError> {
        let mut delays = backon::BackoffBuilder::build(
            backon::ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(10))
                .with_max_times(6)
                .with_jitter(),
        );
        let mut attempts = 1;
        loop {
            match self.mint(http, stats).await {
                Err(PlatformError::Unavailable { last, .. }) => match delays.next() {
                    Some(delay) => {
                        tracing::debug!(?delay, last, "login unavailable; retrying");
                        tokio::time::sleep(delay).await;
                        attempts += 1;
                    }
                    None => return Err(PlatformError::Unavailable { attempts, last }),
                },
                other => return other,
            }
        }
    }

    async fn mint(
        &self,
        http: &reqwest::Client,
        stats: &CallStats,
    ) -> Result<(Secret, Duration), PlatformError> {
        stats.sent(calls::TOKEN);
        let response = http
            .post(&self.url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| PlatformError::Unavailable {
                attempts: 1,
                last: format!("login: {}", without_url(&e)),
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| PlatformError::Unavailable {
                attempts: 1,
                last: format!("login: {}", without_url(&e)),
            })?;
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
        Ok((
            Secret::from(parsed.access_token.as_str()),
            Duration::from_secs(parsed.expires_in),
        ))
    }
}

/// A reqwest error's text without the URL, which never carries secrets here but is noise.
pub fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_a_tenth_early_but_at_most_a_minute() {
        assert_eq!(
            renewal_margin(Duration::from_secs(86_400)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
    }
}
