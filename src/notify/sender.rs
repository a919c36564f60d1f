//! Delivers one event: signs each attempt, sorts the answer into delivered, rejected or
//! transient, waits between transient failures and records every attempt. Queues nothing, and
//! never logs the secret, the signature, or more of the URL than its host.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Response, StatusCode};

use super::drain::Drain;
use super::event::CertificationEvent;
use super::log::{Attempt, DeliveryLog, Outcome};
use super::settings::{Target, WebhookSettingsError};
use super::signature::{sign, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// How much of a failed response's body the log keeps.
const EXCERPT_BYTES: usize = 512;

/// What one attempt came to.
struct Answer {
    status: Option<u16>,
    error: Option<String>,
    verdict: Verdict,
}

impl Answer {
    /// The record of an attempt the drain deadline left no time for.
    fn not_sent() -> Self {
        Self {
            status: None,
            error: Some("not sent: shutting down".to_owned()),
            verdict: Verdict::Transient { retry_after: None },
        }
    }
}

enum Verdict {
    Delivered,
    Rejected,
    Transient { retry_after: Option<Duration> },
}

/// Sends events to one checked webhook target.
pub(crate) struct Sender {
    client: reqwest::Client,
    target: Target,
    log: Arc<dyn DeliveryLog>,
}

impl Sender {
    /// A sender with its own HTTP client; redirects are not followed, since they would turn
    /// the POST into a GET or send the signed event somewhere not configured.
    pub(crate) fn new(
        target: Target,
        log: Arc<dyn DeliveryLog>,
    ) -> Result<Self, WebhookSettingsError> {
        let client = reqwest::Client::builder()
            .timeout(target.policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("skillsync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WebhookSettingsError::Client(e.to_string()))?;
        Ok(Self {
            client,
            target,
            log,
        })
    }

    /// The receiver's host, the only part of the URL that is logged.
    pub(crate) fn host(&self) -> &str {
        self.target.url.host_str().unwrap_or("-")
    }

    /// Delivers `event`, retrying transient failures; once `drain` has begun, makes at most one
    /// more attempt, within the drain deadline.
    pub(crate) async fn deliver(&self, event: &CertificationEvent, drain: &Drain) -> Outcome {
        let body = Bytes::from(event.body());
        let policy = self.target.policy;
        let mut waits = policy.waits();
        let mut number = 0u32;
        loop {
            number += 1;
            let timeout = match drain.time_left() {
                None => policy.timeout,
                Some(left) if left.is_zero() => {
                    let unsent = Answer::not_sent();
                    self.record(event, number, &unsent, Outcome::Abandoned)
                        .await;
                    return Outcome::Abandoned;
                }
                Some(left) => left.min(policy.timeout),
            };
            let request = self.attempt(event, body.clone(), timeout);
            tokio::pin!(request);
            let answer = tokio::select! {
                answer = &mut request => answer,
                // Shutdown does not cut the request short; it only starts the drain clock.
                () = drain.cancelled() => request.await,
            };
            let (outcome, wait) = match answer.verdict {
                Verdict::Delivered => (Outcome::Delivered, None),
                Verdict::Rejected => (Outcome::Rejected, None),
                Verdict::Transient { .. } if drain.is_draining() => (Outcome::Abandoned, None),
                Verdict::Transient { retry_after } => match waits.next() {
                    None => (Outcome::Exhausted, None),
                    Some(proposed) => (Outcome::Retrying, Some(policy.wait(proposed, retry_after))),
                },
            };
            self.record(event, number, &answer, outcome).await;
            let Some(wait) = wait else {
                return outcome;
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = drain.cancelled() => {}
            }
        }
    }

    async fn attempt(&self, event: &CertificationEvent, body: Bytes, timeout: Duration) -> Answer {
        let timestamp = Utc::now().timestamp();
        let signature = sign(self.target.secret.expose().as_bytes(), timestamp, &body);
        let mut signature =
            HeaderValue::from_str(&signature).expect("sha256= and hex digits are a valid header");
        // Keeps the signature out of any Debug output of the request.
        signature.set_sensitive(true);
        let sent = self
            .client
            .post(self.target.url.clone())
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/json")
            .header(EVENT_ID_HEADER, event.id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => answer(response).await,
            Err(e) => Answer {
                status: None,
                verdict: if e.is_builder() {
                    Verdict::Rejected
                } else {
                    Verdict::Transient { retry_after: None }
                },
                error: Some(describe(e)),
            },
        }
    }

    async fn record(
        &self,
        event: &CertificationEvent,
        number: u32,
        answer: &Answer,
        outcome: Outcome,
    ) {
        let attempt = Attempt {
            event_id: event.id,
            event_type: event.kind.as_str().to_owned(),
            agent: event.agent.clone(),
            certification: event.certification.clone(),
            attempt: number,
            attempted_at: Utc::now(),
            status: answer.status,
            error: answer.error.clone(),
            outcome,
        };
        let (id, kind, host) = (event.id, event.kind.as_str(), self.host());
        let (status, error) = (answer.status, answer.error.as_deref().unwrap_or(""));
        match outcome {
            Outcome::Delivered => {
                tracing::info!(%id, kind, host, attempt = number, status, "webhook delivered");
            }
            Outcome::Retrying => {
                tracing::debug!(
                    %id, kind, host, attempt = number, status, error,
                    "webhook attempt failed; retrying"
                );
            }
            Outcome::Rejected | Outcome::Exhausted | Outcome::Abandoned => {
                tracing::warn!(
                    %id, kind, host, attempt = number, status, error, outcome = outcome.as_str(),
                    "webhook event not delivered"
                );
            }
        }
        if let Err(e) = self.log.record(&attempt).await {
            tracing::warn!(
                %id, attempt = number, error = %e,
                "could not record a webhook delivery attempt"
            );
        }
    }
}

async fn answer(response: Response) -> Answer {
    let status = response.status();
    if status.is_success() {
        return Answer {
            status: Some(status.as_u16()),
            error: None,
            verdict: Verdict::Delivered,
        };
    }
    let transient = status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS;
    let verdict = if transient {
        Verdict::Transient {
            retry_after: retry_after(&response),
        }
    } else {
        Verdict::Rejected
    };
    let excerpt = excerpt(response).await;
    Answer {
        status: Some(status.as_u16()),
        error: (!excerpt.is_empty()).then_some(excerpt),
        verdict,
    }
}

/// `Retry-After` in seconds; the HTTP-date form is ignored (the backoff applies instead).
fn retry_after(response: &Response) -> Option<Duration> {
    let seconds = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    seconds.trim().parse().ok().map(Duration::from_secs)
}

/// The start of a failed response's body: what the receiver says is wrong.
async fn excerpt(mut response: Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(EXCERPT_BYTES);
    printable(&String::from_utf8_lossy(&bytes))
}

/// `text` without control characters other than line breaks and tabs: a binary error page
/// would otherwise carry a NUL, which PostgreSQL refuses in text, and lose the log row.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A transport error with its causes and without the URL, which may carry a token.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_excerpt_keeps_text_and_replaces_control_characters() {
        assert_eq!(
            super::printable("  bad\0gzip\x1b[0m\nline two\t!\r\n"),
            "bad\u{FFFD}gzip\u{FFFD}[0m\nline two\t!"
        );
    }
}
