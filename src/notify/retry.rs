//! How long one delivery may take and how often it is tried: the request timeout and the
//! exponential backoff with jitter between attempts. Decides waits; does not sleep or send.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Timeout and retry limits of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// How long one request may take.
    pub(crate) timeout: Duration,
    /// Attempts per event, the first included (at least 1).
    pub(crate) max_attempts: u32,
    /// The first wait.
    pub(crate) min_backoff: Duration,
    /// The longest wait.
    pub(crate) max_backoff: Duration,
}

impl RetryPolicy {
    /// The waits before the 2nd, 3rd, … attempt: doubling from `min_backoff`, each with up to
    /// 100 % random jitter so that retries of many events spread out, never above `max_backoff`.
    pub(crate) fn waits(&self) -> impl Iterator<Item = Duration> {
        let max_backoff = self.max_backoff;
        ExponentialBuilder::default()
            .with_min_delay(self.min_backoff)
            .with_max_delay(self.max_backoff)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
            .map(move |wait| wait.min(max_backoff))
    }

    /// The wait before the next attempt given the backoff's proposal and the receiver's
    /// `Retry-After`: the longer of the two, still capped at `max_backoff`.
    pub(crate) fn wait(&self, proposed: Duration, retry_after: Option<Duration>) -> Duration {
        retry_after
            .map_or(proposed, |asked| asked.max(proposed))
            .min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_attempts: u32, min: u64, max: u64) -> RetryPolicy {
        RetryPolicy {
            timeout: Duration::from_secs(10),
            max_attempts,
            min_backoff: Duration::from_secs(min),
            max_backoff: Duration::from_secs(max),
        }
    }

    #[test]
    fn there_is_one_wait_fewer_than_attempts() {
        assert_eq!(policy(8, 1, 300).waits().count(), 7);
        assert_eq!(policy(1, 1, 300).waits().count(), 0);
    }

    #[test]
    fn waits_double_with_jitter_and_stop_at_the_maximum() {
        for _ in 0..50 {
            let waits: Vec<Duration> = policy(8, 1, 10).waits().collect();
            let floors = [1, 2, 4, 8, 10, 10, 10];
            for (wait, floor) in waits.iter().zip(floors) {
                let floor = Duration::from_secs(floor);
                assert!(*wait >= floor, "{waits:?}");
                assert!(
                    *wait < 2 * floor || *wait == Duration::from_secs(10),
                    "{waits:?}"
                );
                assert!(*wait <= Duration::from_secs(10), "{waits:?}");
            }
        }
    }

    #[test]
    fn a_longer_retry_after_is_honoured_up_to_the_maximum() {
        let p = policy(8, 1, 60);
        let two = Duration::from_secs(2);
        assert_eq!(p.wait(two, None), two);
        assert_eq!(p.wait(two, Some(Duration::from_secs(1))), two);
        assert_eq!(
            p.wait(two, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(
            p.wait(two, Some(Duration::from_secs(3_600))),
            Duration::from_secs(60)
        );
    }
}
