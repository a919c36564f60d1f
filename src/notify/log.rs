//! The delivery log: one `Attempt` per request sent (or abandoned), its `Outcome`, the
//! `DeliveryLog` trait the sender writes through and an in-memory log. SQL is `pg_log.rs`'s.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use uuid::Uuid;

/// Where an event stands after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A transient failure; another attempt follows.
    Retrying,
    /// The receiver answered 2xx. Final.
    Delivered,
    /// The receiver answered a 4xx other than 408 and 429 (or a redirect): retrying the same
    /// request would not help. Final.
    Rejected,
    /// Every attempt failed transiently. Final.
    Exhausted,
    /// Shutdown came before the event could be delivered. Final.
    Abandoned,
}

impl Outcome {
    /// All outcomes, in lifecycle order.
    pub const ALL: [Self; 5] = [
        Self::Retrying,
        Self::Delivered,
        Self::Rejected,
        Self::Exhausted,
        Self::Abandoned,
    ];

    /// `retrying`, `delivered`, `rejected`, `exhausted` or `abandoned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retrying => "retrying",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Exhausted => "exhausted",
            Self::Abandoned => "abandoned",
        }
    }

    /// Whether no attempt follows.
    pub fn is_final(self) -> bool {
        self != Self::Retrying
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An outcome spelled other than by [`Outcome::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown delivery outcome {0:?}")]
pub struct UnknownOutcome(pub String);

impl FromStr for Outcome {
    type Err = UnknownOutcome;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == s)
            .ok_or_else(|| UnknownOutcome(s.to_owned()))
    }
}

/// One attempt to deliver one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The event's id.
    pub event_id: Uuid,
    /// The event's `type`, e.g. `certification.revoked`.
    pub event_type: String,
    /// The agent's key.
    pub agent: String,
    /// The certification.
    pub certification: String,
    /// 1 for the first attempt. An abandoned event's last record numbers the attempt that
    /// was not sent.
    pub attempt: u32,
    /// When it was sent (or abandoned).
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong: the transport error, or the start of the receiver's error body.
    pub error: Option<String>,
    /// Where the event stands after this attempt.
    pub outcome: Outcome,
}

/// Why an attempt could not be recorded or read back.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The database refused or could not be reached.
    #[error("delivery log database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored row that this version cannot read.
    #[error("unreadable delivery log row: {0}")]
    Corrupt(String),
}

/// Records delivery attempts. Called from the notifier's task after every attempt; a failure
/// is logged and delivery carries on, so implementations need not retry.
pub trait DeliveryLog: Send + Sync + 'static {
    /// Stores one attempt.
    fn record<'a>(&'a self, attempt: &'a Attempt) -> BoxFuture<'a, Result<(), LogError>>;
}

/// A delivery log in memory, for tests and for running without a database.
#[derive(Debug, Default)]
pub struct MemoryLog {
    attempts: parking_lot::Mutex<Vec<Attempt>>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every attempt recorded, oldest first.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().clone()
    }

    /// The attempts for one event, oldest first.
    pub fn attempts_for(&self, event_id: Uuid) -> Vec<Attempt> {
        self.attempts
            .lock()
            .iter()
            .filter(|attempt| attempt.event_id == event_id)
            .cloned()
            .collect()
    }

    /// The final outcome of an event, once it has one.
    pub fn outcome(&self, event_id: Uuid) -> Option<Outcome> {
        self.attempts
            .lock()
            .iter()
            .rev()
            .find(|attempt| attempt.event_id == event_id && attempt.outcome.is_final())
            .map(|attempt| attempt.outcome)
    }
}

impl DeliveryLog for MemoryLog {
    fn record<'a>(&'a self, attempt: &'a Attempt) -> BoxFuture<'a, Result<(), LogError>> {
        self.attempts.lock().push(attempt.clone());
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_parse_from_their_names() {
        for outcome in Outcome::ALL {
            assert_eq!(outcome.to_string().parse(), Ok(outcome));
        }
        assert_eq!(
            "failed".parse::<Outcome>(),
            Err(UnknownOutcome("failed".into()))
        );
    }

    #[test]
    fn only_retrying_is_not_final() {
        let finals: Vec<_> = Outcome::ALL.into_iter().filter(|o| o.is_final()).collect();
        assert_eq!(finals.len(), 4);
        assert!(!Outcome::Retrying.is_final());
    }

    #[tokio::test]
    async fn the_memory_log_keeps_attempts_in_order_and_knows_final_outcomes() {
        let log = MemoryLog::new();
        let id = Uuid::from_u128(1);
        let attempt = |n, outcome| Attempt {
            event_id: id,
            event_type: "certification.granted".into(),
            agent: "a@x".into(),
            certification: "PCI".into(),
            attempt: n,
            attempted_at: Utc::now(),
            status: Some(503),
            error: None,
            outcome,
        };
        log.record(&attempt(1, Outcome::Retrying))
            .await
            .expect("memory");
        assert_eq!(log.outcome(id), None);
        log.record(&attempt(2, Outcome::Exhausted))
            .await
            .expect("memory");
        assert_eq!(log.outcome(id), Some(Outcome::Exhausted));
        let numbers: Vec<u32> = log.attempts_for(id).iter().map(|a| a.attempt).collect();
        assert_eq!(numbers, [1, 2]);
        assert!(log.attempts_for(Uuid::from_u128(2)).is_empty());
    }
}
