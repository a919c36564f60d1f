//! One governor pacer per credential, keeping calls under its per-minute budget, and the wait
//! for a call's turn that also honours the shared 429 pause. It never retries anything.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::pause::Pause;

/// Paces one credential's calls.
pub struct Pacer {
    limiter: DefaultDirectRateLimiter,
}

impl Pacer {
    /// A pacer for `per_minute` requests with bursts of up to `burst`.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            limiter: RateLimiter::direct(pacing(per_minute, burst)),
        }
    }

    /// Waits for the pause and the pacer. A 429 that another task meets while this one waits
    /// in the limiter starts a pause this one must honour too, so it checks again.
    pub async fn wait_turn(&self, pause: &Pause) {
        loop {
            pause.wait_out().await;
            self.limiter.until_ready().await;
            if !pause.active() {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
