//! Shutdown for the notifier: once cancelled, everything still queued must have had its last
//! attempt within one request timeout of the cancellation. Keeps the deadline; sends nothing.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The shutdown signal and, once it has fired, the drain deadline.
#[derive(Debug)]
pub(crate) struct Drain {
    token: CancellationToken,
    grace: Duration,
    deadline: OnceLock<Instant>,
}

impl Drain {
    /// Draining starts when `token` is cancelled and lasts `grace`.
    pub(crate) fn new(token: CancellationToken, grace: Duration) -> Self {
        Self {
            token,
            grace,
            deadline: OnceLock::new(),
        }
    }

    /// Whether shutdown has begun.
    pub(crate) fn is_draining(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves when shutdown begins, fixing the deadline at that moment.
    pub(crate) async fn cancelled(&self) {
        self.token.cancelled().await;
        self.deadline();
    }

    /// How long a request may still take: `None` before shutdown (no limit but its own).
    pub(crate) fn time_left(&self) -> Option<Duration> {
        self.is_draining()
            .then(|| self.deadline().saturating_duration_since(Instant::now()))
    }

    fn deadline(&self) -> Instant {
        *self.deadline.get_or_init(|| Instant::now() + self.grace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn there_is_no_limit_before_shutdown_and_the_grace_period_after_it() {
        let token = CancellationToken::new();
        let drain = Drain::new(token.clone(), Duration::from_secs(10));
        assert!(!drain.is_draining());
        assert_eq!(drain.time_left(), None);
        token.cancel();
        drain.cancelled().await;
        let left = drain.time_left().expect("draining");
        assert!(
            left > Duration::from_secs(9) && left <= Duration::from_secs(10),
            "{left:?}"
        );
    }

    #[tokio::test]
    async fn once_the_grace_period_is_over_no_time_is_left() {
        let token = CancellationToken::new();
        token.cancel();
        let drain = Drain::new(token, Duration::ZERO);
        drain.cancelled().await;
        assert_eq!(drain.time_left(), Some(Duration::ZERO));
    }
}
