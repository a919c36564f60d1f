//! The `DeliveryLog` trait the sender writes through, its implementation over the store's
//! delivery log (which owns `Attempt` and `Outcome` and their SQL), and an in-memory log.

use futures::future::BoxFuture;
use uuid::Uuid;

pub use crate::store::{Attempt, Outcome, UnknownOutcome};
use crate::store::{Deliveries, StoreError};

/// Why an attempt could not be recorded or read back.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The store refused, could not be reached, or holds a row this version cannot read.
    #[error("delivery log: {0}")]
    Store(#[from] StoreError),
}

/// Records delivery attempts. Called from the notifier's task after every attempt; a failure
/// is logged and delivery carries on, so implementations need not retry.
pub trait DeliveryLog: Send + Sync + 'static {
    /// Stores one attempt.
    fn record<'a>(&'a self, attempt: &'a Attempt) -> BoxFuture<'a, Result<(), LogError>>;
}

impl DeliveryLog for Deliveries {
    fn record<'a>(&'a self, attempt: &'a Attempt) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move { Ok(Deliveries::record(self, attempt).await?) })
    }
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
    use chrono::Utc;

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
