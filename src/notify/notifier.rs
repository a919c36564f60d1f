//! The notifier task: a bounded queue in front of one sender, so that the reconciler never
//! waits for a receiver. Events go out one at a time, in the order queued; on shutdown what is
//! queued gets one last attempt within one request timeout. Knows nothing of how events arise.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::drain::Drain;
use super::event::CertificationEvent;
use super::log::{DeliveryLog, Outcome};
use super::sender::Sender;
use super::settings::{WebhookSettings, WebhookSettingsError};
use crate::domain::DEFAULT_ORG;

/// Starts the webhook notifier.
pub struct Notifier;

/// What became of an event handed to [`NotifierHandle::notify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Queued for delivery.
    Queued,
    /// The webhook is disabled (`webhook.url` is empty); nothing is sent.
    Disabled,
    /// The queue was full; the event was dropped and counted.
    QueueFull,
    /// Shutdown has begun; the event was dropped and counted.
    ShuttingDown,
}

/// Counts since the notifier started, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotifierStats {
    /// Events accepted into the queue.
    pub queued: u64,
    /// Events dropped because the queue was full or shutdown had begun.
    pub dropped: u64,
    /// Events the receiver accepted.
    pub delivered: u64,
    /// Events that ended rejected, exhausted or abandoned.
    pub failed: u64,
}

#[derive(Debug, Default)]
struct Counters {
    queued: AtomicU64,
    dropped: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
}

/// Hands events to the notifier; cheap to clone, never blocks.
#[derive(Debug, Clone)]
pub struct NotifierHandle {
    /// The org whose events this handle sends (each org has its own).
    org: Arc<str>,
    queue: Option<mpsc::Sender<CertificationEvent>>,
    counters: Arc<Counters>,
    tracker: TaskTracker,
}

impl Notifier {
    /// Checks `settings` and, when a URL is set, starts the delivery task on the current Tokio
    /// runtime. Cancelling `shutdown` stops it taking new events and gives each queued one a
    /// last attempt; [`NotifierHandle::stopped`] resolves when that is done.
    ///
    /// # Panics
    /// Outside a Tokio runtime, when the webhook is enabled.
    pub fn spawn(
        settings: &WebhookSettings,
        log: Arc<dyn DeliveryLog>,
        shutdown: CancellationToken,
    ) -> Result<NotifierHandle, WebhookSettingsError> {
        let Some(target) = settings.target()? else {
            tracing::info!("webhook disabled (webhook.url is empty)");
            return Ok(NotifierHandle::disabled());
        };
        let (queue, events) = mpsc::channel(target.queue_capacity);
        let drain = Drain::new(shutdown, target.policy.timeout);
        let sender = Sender::new(target, log)?;
        tracing::info!(host = sender.host(), "webhook enabled");
        let counters = Arc::new(Counters::default());
        let tracker = TaskTracker::new();
        tracker.spawn(run(sender, events, drain, Arc::clone(&counters)));
        tracker.close();
        Ok(NotifierHandle {
            org: Arc::from(DEFAULT_ORG),
            queue: Some(queue),
            counters,
            tracker,
        })
    }
}

impl NotifierHandle {
    /// A handle that accepts events and sends nothing.
    pub fn disabled() -> Self {
        let tracker = TaskTracker::new();
        tracker.close();
        Self {
            org: Arc::from(DEFAULT_ORG),
            queue: None,
            counters: Arc::default(),
            tracker,
        }
    }

    /// This handle for `org`'s events: each is stamped with the org as it is queued.
    pub fn for_org(mut self, org: &str) -> Self {
        self.org = Arc::from(org);
        self
    }

    /// Whether events are sent.
    pub fn is_enabled(&self) -> bool {
        self.queue.is_some()
    }

    /// Queues `event` without waiting. When the queue is full, or the notifier has stopped
    /// taking events at shutdown, the event is dropped, counted and logged (at the 1st, 2nd, 4th,
    /// 8th, … drop, so that a long outage does not flood the log).
    pub fn notify(&self, event: CertificationEvent) -> Enqueued {
        let Some(queue) = &self.queue else {
            return Enqueued::Disabled;
        };
        let event = event.in_org(&self.org);
        let (id, kind) = (event.id, event.kind.as_str());
        let result = match queue.try_send(event) {
            Ok(()) => {
                self.counters.queued.fetch_add(1, Ordering::Relaxed);
                return Enqueued::Queued;
            }
            Err(TrySendError::Full(_)) => Enqueued::QueueFull,
            Err(TrySendError::Closed(_)) => Enqueued::ShuttingDown,
        };
        let dropped = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        if dropped.is_power_of_two() {
            tracing::warn!(%id, kind, dropped, reason = ?result, "webhook event dropped");
        }
        result
    }

    /// The counts so far.
    pub fn stats(&self) -> NotifierStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        NotifierStats {
            queued: load(&self.counters.queued),
            dropped: load(&self.counters.dropped),
            delivered: load(&self.counters.delivered),
            failed: load(&self.counters.failed),
        }
    }

    /// Resolves once the delivery task has finished: after shutdown and the drain, or when
    /// every handle has been dropped. At once for a disabled webhook.
    pub async fn stopped(&self) {
        self.tracker.wait().await;
    }
}

async fn run(
    sender: Sender,
    mut events: mpsc::Receiver<CertificationEvent>,
    drain: Drain,
    counters: Arc<Counters>,
) {
    loop {
        let event = tokio::select! {
            biased;
            () = drain.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => event,
                None => return,
            },
        };
        deliver(&sender, &event, &drain, &counters).await;
    }
    events.close();
    if !events.is_empty() {
        tracing::info!(
            queued = events.len(),
            "webhook shutting down: one last attempt for each queued event"
        );
    }
    while let Some(event) = events.recv().await {
        deliver(&sender, &event, &drain, &counters).await;
    }
}

async fn deliver(sender: &Sender, event: &CertificationEvent, drain: &Drain, counters: &Counters) {
    let counter = match sender.deliver(event, drain).await {
        Outcome::Delivered => &counters.delivered,
        _ => &counters.failed,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}
