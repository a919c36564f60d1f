//! Sending one call: wait for the turn, attach the token, count it, and sort a failure into a
//! retry (backoff, 429 pause, one token renewal on 401) or a [`PlatformError`] carrying the
//! correlation id. It never retries a conflict.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::outcome::{classify, Outcome};
use super::response::{header, retry_after, without_url};
use super::{backoff, Call, Reply, Transport, Vendor};
use crate::platform::error::PlatformError;

/// Consecutive 429s one call tolerates: a storm slows a run down, it should not end it.
const MAX_THROTTLES: u32 = 100;
/// Used when a 429 comes without a usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

impl<V: Vendor> Transport<V> {
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
        let settings = &self.settings;
        let mut backoff = backoff::jittered(
            settings.min_backoff,
            settings.max_backoff,
            settings.max_retries,
        );
        let mut attempts = 0u32;
        let mut throttles = 0u32;
        let mut renewed = false;
        loop {
            let queued = std::time::Instant::now();
            self.pacer.wait_turn(&self.pause).await;
            if let Some(observer) = &self.observer {
                observer.waited(queued.elapsed());
            }
            let token = self.token().await?;
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
                    let correlation_id = header(&response, V::CORRELATION_HEADER);
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
                    let error = body
                        .ok()
                        .map(|b| self.vendor.failure(&b))
                        .unwrap_or_default();
                    tracing::debug!(kind = %call.kind, %status, correlation_id, code = error.code, "platform call failed");
                    let conflict = self.vendor.is_conflict(status.as_u16(), &error);
                    match classify(status.as_u16(), conflict) {
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
                            self.pause
                                .pause_all(retry_after.unwrap_or(DEFAULT_RETRY_AFTER));
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
}
