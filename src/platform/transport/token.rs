//! The token cache: one token per credential, shared by every task, renewed shortly before it
//! expires and dropped when the API answers 401. Minting is the vendor's hook; tokens are never
//! logged.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::backoff;
use super::counting::{CallKind, CallStats};
use super::vendor::Vendor;
use crate::domain::Secret;
use crate::platform::error::PlatformError;

/// The cached token of one credential.
#[derive(Default)]
pub struct TokenCache {
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

impl TokenCache {
    /// The current token, minting one if there is none or it is about to expire. Concurrent
    /// callers wait for one mint instead of each minting their own (login endpoints
    /// rate-limit parallel mints).
    pub async fn token<V: Vendor>(
        &self,
        vendor: &V,
        http: &reqwest::Client,
        stats: &CallStats,
    ) -> Result<Secret, PlatformError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(c.token.clone());
            }
        }
        let minted = mint_with_retries(vendor, http, stats).await?;
        let expires_in = minted.expires_in;
        *cached = Some(Cached {
            token: minted.token.clone(),
            renew_at: Instant::now() + expires_in.saturating_sub(renewal_margin(expires_in)),
        });
        Ok(minted.token)
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
}

/// Mints, retrying a login service that is briefly unavailable (5xx, connection errors)
/// with exponential backoff; refused credentials fail at once.
async fn mint_with_retries<V: Vendor>(
    vendor: &V,
    http: &reqwest::Client,
    stats: &CallStats,
) -> Result<super::Minted, PlatformError> {
    let mut delays = backoff::jittered(Duration::from_millis(200), Duration::from_secs(10), 6);
    let mut attempts = 1;
    loop {
        stats.sent(CallKind::TOKEN);
        match vendor.mint(http).await {
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
