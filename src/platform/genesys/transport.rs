//! Every Genesys API call goes through here: one pacing limiter per OAuth client, a shared pause
//! after a 429, bounded exponential backoff with jitter for transient failures, one token
//! renewal on 401, and the sorting of failures into [`PlatformError`]s. It never retries a 409.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use super::auth::{without_url, TokenSource};
use super::wire::ErrorBody;
use crate::platform::calls::{CallKind, CallObserver, CallStats};
use crate::platform::error::PlatformError;

/// Consecutive 429s one call tolerates: a storm slows a run down, it should not end it.
const MAX_THROTTLES: u32 = 100;
/// Used when a 429 comes without a usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Retry and pacing settings.
#[derive(Debug, Clone)]
pub struct TransportSettings {
    /// The request budget per minute for this OAuth client.
    pub requests_per_minute: u32,
    /// Requests that may be sent back to back before pacing applies.
    pub burst: u32,
    /// Retries after a transient failure (5xx, timeout, connection error).
    pub max_retries: u32,
    /// First backoff delay.
    pub min_backoff: Duration,
    /// Largest backoff delay.
    pub max_backoff: Duration,
}

/// One API request.
pub struct Call<'a, B: Serialize> {
    /// What it is, for counting.
    pub kind: CallKind,
    /// HTTP method.
    pub method: Method,
    /// Path and query below the API base.
    pub path: &'a str,
    /// JSON body, if any.
    pub body: Option<&'a B>,
}

/// A successful response.
pub struct Reply {
    /// The body.
    pub body: bytes::Bytes,
    /// The HTTP status.
    pub status: u16,
    /// `ININ-Correlation-Id`.
    pub correlation_id: String,
}

/// The paced, retrying HTTP layer of one connector.
pub struct Transport {
    http: reqwest::Client,
    api_base: String,
    tokens: TokenSource,
    limiter: DefaultDirectRateLimiter,
    paused_until: parking_lot::Mutex<Option<Instant>>,
    stats: Arc<CallStats>,
    settings: TransportSettings,
    observer: Option<Arc<dyn CallObserver>>,
}

impl Transport {
    /// A transport for `api_base`, authenticating through `tokens`.
    pub fn new(
        http: reqwest::Client,
        api_base: String,
        tokens: TokenSource,
        settings: TransportSettings,
        stats: Arc<CallStats>,
    ) -> Self {
        Self {
            http,
            api_base,
            tokens,
            limiter: RateLimiter::direct(pacing(settings.requests_per_minute, settings.burst)),
            paused_until: parking_lot::Mutex::new(None),
            stats,
            settings,
            observer: None,
        }
    }

    /// Reports every call to `observer` too.
    pub fn observe_with(&mut self, observer: Arc<dyn CallObserver>) {
        self.observer = Some(observer);
    }

    /// The call counters.
    pub fn stats(&self) -> &Arc<CallStats> {
        &self.stats
    }

    /// The current token, minting one if needed.
    pub async fn token(&self) -> Result<crate::domain::Secret, PlatformError> {
        self.tokens.token(&self.http, &self.stats).await
    }

    /// Sends `call` and decodes a JSON response.
    pub async fn json<T: DeserializeOwned, B: Serialize>(
        &self,
        call: Call<'_, B>,
    ) -> Result<T, PlatformError> {
        let path = call.path.to_string();
        let reply = self.send(call).await?;
        serde_json::from_slice(&reply.body).map_err(|e| PlatformError::Decode {
            path,
            reason: e.to_string(),
        })
    }

    /// Sends `call`; the body is not decoded.
    #[tracing::instrument(name = "platform_call", skip_all, fields(kind = %call.kind, method = %call.method, path = call.path))]
    pub async fn send<B: Serialize>(&self, call: Call<'_, B>) -> Result<Reply, PlatformError> {
        let url = format!("{}{}", self.api_base, call.path);
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(self.settings.min_backoff)
            .with_max_delay(self.settings.max_backoff)
            .with_max_times(self.settings.max_retries as usize)
            .with_jitter()
            .build();
        let mut attempts = 0u32;
        let mut throttles = 0u32;
        let mut renewed = false;
        loop {
            let queued = std::time::Instant::now();
            self.wait_turn().await;
            if let Some(observer) = &self.observer {
                observer.waited(queued.elapsed());
            }
            let token = self.tokens.token(&self.http, &self.stats).await?;
            attempts += 1;
            self.stats.sent(call.kind);
            let sent = std::time::Instant::now();
            let mut request = self
                .http
                .request(call.method.clone(), &url)
                .bearer_auth(token.expose());
            if let Some(body) = call.body {
                request = request.json(body);
            }
            let outcome = request.send().await;
            if let Some(observer) = &self.observer {
                let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
                observer.response(call.kind, status, sent.elapsed());
            }
            let failure = match outcome {
                Err(e) => without_url(&e),
                Ok(response) => {
                    let status = response.status();
                    let correlation_id = header(&response, "inin-correlation-id");
                    let retry_after = retry_after(&response);
                    let body = response
                        .bytes()
                        .await
                        .map_err(|e| PlatformError::Unavailable {
                            attempts,
                            last: without_url(&e),
                        });
                    if status.is_success() {
                        return body.map(|body| Reply {
                            body,
                            status: status.as_u16(),
                            correlation_id,
                        });
                    }
                    let error: ErrorBody = body
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok())
                        .unwrap_or_default();
                    tracing::debug!(kind = %call.kind, %status, correlation_id, code = error.code, "platform call failed");
                    match classify(status, &error) {
                        Outcome::Renew if !renewed => {
                            renewed = true;
                            self.tokens.invalidate(&token).await;
                            continue;
                        }
                        Outcome::Renew => {
                            return Err(PlatformError::Auth(format!(
                                "{} (correlation id {correlation_id})",
                                error.message
                            )))
                        }
                        Outcome::Throttled => {
                            self.stats.throttled();
                            throttles += 1;
                            if throttles > MAX_THROTTLES {
                                return Err(PlatformError::Unavailable {
                                    attempts,
                                    last: format!("{MAX_THROTTLES} consecutive 429 responses"),
                                });
                            }
                            self.pause_all(retry_after.unwrap_or(DEFAULT_RETRY_AFTER));
                            self.note_retry();
                            continue;
                        }
                        Outcome::Conflict => {
                            self.stats.conflicted();
                            return Err(PlatformError::Conflict {
                                message: error.message,
                                correlation_id,
                            });
                        }
                        Outcome::Rejected => {
                            return Err(PlatformError::Rejected {
                                status: status.as_u16(),
                                code: error.code,
                                message: error.message,
                                correlation_id,
                            })
                        }
                        Outcome::Transient => format!(
                            "HTTP {status} {} (correlation id {correlation_id})",
                            error.code
                        ),
                    }
                }
            };
            match backoff.next() {
                Some(delay) => {
                    tracing::debug!(kind = %call.kind, attempt = attempts, ?delay, failure, "retrying");
                    self.note_retry();
                    tokio::time::sleep(delay).await;
                }
                None => {
                    return Err(PlatformError::Unavailable {
                        attempts,
                        last: failure,
                    })
                }
            }
        }
    }

    fn note_retry(&self) {
        self.stats.retried();
        if let Some(observer) = &self.observer {
            observer.retried();
        }
    }

    /// After a 429 every task waits, not only the one that saw it: the budget is per client.
    fn pause_all(&self, for_: Duration) {
        let until = Instant::now() + for_;
        let mut paused = self.paused_until.lock();
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
            tracing::info!(
                seconds = for_.as_secs_f64(),
                "rate limited by the platform; pausing all calls"
            );
        }
    }

    /// Waits until no pause is in force, however often a pause is extended meanwhile.
    async fn wait_out_pause(&self) {
        loop {
            let until = *self.paused_until.lock();
            match until {
                Some(until) if Instant::now() < until => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// True while a pause after a 429 is in force.
    fn paused(&self) -> bool {
        self.paused_until
            .lock()
            .is_some_and(|until| Instant::now() < until)
    }

    /// Waits for the pause and the pacing limiter. A 429 that another task meets while this one
    /// waits in the limiter starts a pause this one must honour too, so it checks again.
    async fn wait_turn(&self) {
        loop {
            self.wait_out_pause().await;
            self.limiter.until_ready().await;
            if !self.paused() {
                return;
            }
        }
    }
}

/// A quota that never sends more than `per_minute` requests in any 60 seconds: a burst of up to
/// a tenth of the budget, and the rest of the budget spread evenly. (Bucket quotas allow burst +
/// rate in one window; platforms that count per minute would answer that excess with 429s.)
fn pacing(per_minute: u32, burst: u32) -> Quota {
    let per_minute = per_minute.max(1);
    let burst = burst.min(per_minute / 10).max(1);
    let steady = per_minute.saturating_sub(burst).max(1);
    let period = Duration::from_secs(60) / steady;
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// What to do about a failed response.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Renew,
    Throttled,
    Conflict,
    Rejected,
    Transient,
}

fn classify(status: StatusCode, error: &ErrorBody) -> Outcome {
    match status.as_u16() {
        401 => Outcome::Renew,
        429 => Outcome::Throttled,
        409 => Outcome::Conflict,
        // The Terraform provider treats this 400 as the same version conflict as a 409.
        400 if error.message.contains("does not match the current version") => Outcome::Conflict,
        408 | 500 | 502 | 503 | 504 => Outcome::Transient,
        _ => Outcome::Rejected,
    }
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let secs: f64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(message: &str) -> ErrorBody {
        ErrorBody {
            message: message.into(),
            code: String::new(),
        }
    }

    #[test]
    fn pacing_never_exceeds_the_budget_in_any_minute() {
        for (per_minute, burst) in [(300, 8), (300, 100), (20, 8), (60_000, 8)] {
            let quota = pacing(per_minute, burst);
            let in_a_minute = u128::from(quota.burst_size().get())
                + Duration::from_secs(60).as_nanos() / quota.replenish_interval().as_nanos();
            assert!(
                in_a_minute <= u128::from(per_minute),
                "{per_minute}/min, burst {burst}: {in_a_minute}"
            );
            assert!(
                in_a_minute * 100 >= u128::from(per_minute) * 95,
                "{per_minute}/min uses {in_a_minute}"
            );
        }
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
            let status = StatusCode::from_u16(status).expect("status");
            assert_eq!(
                classify(status, &body(message)),
                expected,
                "{status} {message}"
            );
        }
    }
}
