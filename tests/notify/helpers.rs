//! Test scaffolding: a scripted webhook receiver (an axum server on port 0), settings pointing
//! at it, events, and a bounded wait for the notifier to get somewhere.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, TimeZone, Utc};
use parking_lot::Mutex;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use skillsync::config::Secret;
use skillsync::domain::{AgentKey, Name};
use skillsync::notify::{
    CertificationEvent, EventKind, MemoryLog, Notifier, NotifierHandle, Outcome, WebhookSettings,
};

pub const SECRET: &str = "test-secret";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers.keys()))
    }
}

#[derive(Default)]
struct Script {
    /// Statuses to answer, in order; 200 once they run out.
    replies: Mutex<VecDeque<u16>>,
    received: Mutex<Vec<Received>>,
    /// When set, each request waits for a permit before it is answered.
    gate: Option<Semaphore>,
}

/// A webhook receiver answering with scripted statuses.
pub struct Receiver {
    pub url: String,
    script: Arc<Script>,
    shutdown: CancellationToken,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Receiver {
    /// Answers `replies` in order, then 200.
    pub async fn start(replies: &[u16]) -> Self {
        Self::with_script(Script {
            replies: Mutex::new(replies.iter().copied().collect()),
            ..Script::default()
        })
        .await
    }

    /// Answers 200, but only as [`Receiver::release`] hands out permits.
    pub async fn gated() -> Self {
        Self::with_script(Script {
            gate: Some(Semaphore::new(0)),
            ..Script::default()
        })
        .await
    }

    async fn with_script(script: Script) -> Self {
        let script = Arc::new(script);
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("bound address");
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
                .expect("receiver runs");
        });
        Self {
            url: format!("http://{addr}/hook?token=t0ps3cret"),
            script,
            shutdown,
        }
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.script.received.lock().clone()
    }

    /// Lets `n` waiting (or future) requests be answered.
    pub fn release(&self, n: usize) {
        if let Some(gate) = &self.script.gate {
            gate.add_permits(n);
        }
    }
}

async fn hook(
    State(script): State<Arc<Script>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    script.received.lock().push(Received { headers, body });
    if let Some(gate) = &script.gate {
        gate.acquire().await.expect("gate stays open").forget();
    }
    let status = script.replies.lock().pop_front().unwrap_or(200);
    let status = StatusCode::from_u16(status).expect("scripted status is valid");
    let text = if status.is_success() {
        String::new()
    } else {
        format!("scripted {status}")
    };
    (status, text)
}

/// Settings for `url` that retry without waiting, so tests take no time.
pub fn settings(url: &str) -> WebhookSettings {
    WebhookSettings {
        url: url.to_owned(),
        secret: Secret::from(SECRET),
        timeout_secs: 5,
        min_backoff_secs: 0,
        max_backoff_secs: 0,
        ..WebhookSettings::default()
    }
}

/// A notifier for `settings` writing to a fresh memory log.
pub fn spawn(settings: &WebhookSettings) -> (NotifierHandle, Arc<MemoryLog>, CancellationToken) {
    let log = Arc::new(MemoryLog::new());
    let shutdown = CancellationToken::new();
    let handle = Notifier::spawn(settings, log.clone(), shutdown.clone()).expect("valid settings");
    (handle, log, shutdown)
}

pub fn expired_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0)
        .single()
        .expect("valid instant")
}

/// A revocation of PCI DSS for `agent`.
pub fn revoked(agent: &str) -> CertificationEvent {
    CertificationEvent::new(
        EventKind::Revoked,
        &AgentKey::Email(agent.to_owned()),
        &Name::parse("PCI DSS").expect("valid name"),
        expired_at(),
        "expired 2026-11-30T23:00:00Z",
    )
    .with_expires_on(Some(expired_at()))
}

/// Waits (up to 20 s) until `check` returns something.
pub async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the receiver has seen `n` requests.
pub async fn requests_arrived(receiver: &Receiver, n: usize) {
    eventually("requests to arrive", || {
        (receiver.received().len() >= n).then_some(())
    })
    .await;
}

/// Cancels `shutdown` and waits for the notifier to stop, failing if that takes `limit`.
pub async fn shut_down_within(
    notifier: &NotifierHandle,
    shutdown: &CancellationToken,
    limit: Duration,
) {
    let started = std::time::Instant::now();
    shutdown.cancel();
    notifier.stopped().await;
    let took = started.elapsed();
    assert!(took < limit, "shutdown took {took:?}");
}

/// Waits until the log has a final outcome for `event`.
pub async fn final_outcome(log: &MemoryLog, event: &CertificationEvent) -> Outcome {
    eventually("a final outcome", || log.outcome(event.id)).await
}
