//! The vendor-neutral HTTP layer every connector sends its calls through: pacing to the
//! credential's budget, the shared 429 pause, bounded backoff with jitter, the token cache,
//! counting by the connector's call kinds (`counting`) and correlation ids in errors. It knows
//! no vendor's paths or bodies: minting a token and reading an error body are the connector's
//! [`Vendor`] hooks.

mod backoff;
mod client;
pub mod counting;
mod outcome;
mod pacer;
mod pause;
mod response;
mod send;
mod token;
mod vendor;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;

pub use client::http_client;
pub use outcome::{classify, Outcome};
pub use response::without_url;
pub use vendor::{Failure, Minted, Vendor};

use crate::domain::Secret;
use crate::platform::error::PlatformError;
use counting::{CallKind, CallObserver, CallStats};

/// Retry and pacing settings.
#[derive(Debug, Clone)]
pub struct TransportSettings {
    /// The request budget per minute for this credential.
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
    /// The vendor's correlation id header (`-` when absent).
    pub correlation_id: String,
}

/// The paced, retrying HTTP layer of one connector and one credential.
pub struct Transport<V: Vendor> {
    http: reqwest::Client,
    api_base: String,
    vendor: V,
    tokens: token::TokenCache,
    pacer: pacer::Pacer,
    pause: pause::Pause,
    stats: Arc<CallStats>,
    settings: TransportSettings,
    observer: Option<Arc<dyn CallObserver>>,
}

impl<V: Vendor> Transport<V> {
    /// A transport for `api_base`, authenticating through `vendor`'s token hook.
    pub fn new(
        http: reqwest::Client,
        api_base: String,
        vendor: V,
        settings: TransportSettings,
        stats: Arc<CallStats>,
    ) -> Self {
        Self {
            http,
            api_base,
            vendor,
            tokens: token::TokenCache::default(),
            pacer: pacer::Pacer::new(settings.requests_per_minute, settings.burst),
            pause: pause::Pause::default(),
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
    pub async fn token(&self) -> Result<Secret, PlatformError> {
        self.tokens
            .token(&self.vendor, &self.http, &self.stats)
            .await
    }

    fn note_retry(&self) {
        self.stats.retried();
        if let Some(observer) = &self.observer {
            observer.retried();
        }
    }
}
