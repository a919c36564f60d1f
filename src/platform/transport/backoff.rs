//! Bounded exponential backoff with jitter, shared by API calls and token mints so that
//! retrying tasks spread out instead of hitting a recovering service together.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// At most `times` delays, growing from `min` to `max`, each jittered.
pub fn jittered(min: Duration, max: Duration, times: u32) -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(min)
        .with_max_delay(max)
        .with_max_times(times as usize)
        .with_jitter()
        .build()
}
