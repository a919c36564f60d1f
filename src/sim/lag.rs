//! Replica lag, whatever the lagging value is: after a write, readers that hit a lagging replica
//! keep seeing the state before it until the lag has passed, catching up one write at a time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Writes of a `T` not yet visible to lagging readers; empty (no allocation) when caught up.
#[derive(Debug)]
pub struct Lag<T>(Option<Box<Buffer<T>>>);

#[derive(Debug)]
struct Buffer<T> {
    /// What a lagging reader sees.
    base: T,
    /// Later states and when each was written.
    pending: VecDeque<(Instant, T)>,
}

impl<T> Default for Lag<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: Clone> Lag<T> {
    /// Records that `before` was replaced by `next` at `now`. With no lag, forgets everything.
    pub fn record(&mut self, now: Instant, lag: Duration, before: &T, next: &T) {
        if lag.is_zero() {
            self.0 = None;
            return;
        }
        let buffer = self.0.get_or_insert_with(|| {
            Box::new(Buffer {
                base: before.clone(),
                pending: VecDeque::new(),
            })
        });
        buffer.pending.push_back((now, next.clone()));
    }

    /// What a reader sees of `current`: with `stale`, the state a replica `lag` behind still
    /// serves; otherwise `current`.
    pub fn view<'a>(
        &'a mut self,
        current: &'a T,
        now: Instant,
        lag: Duration,
        stale: bool,
    ) -> &'a T {
        let Some(buffer) = self.0.as_mut() else {
            return current;
        };
        while let Some((at, _)) = buffer.pending.front() {
            if now.duration_since(*at) < lag {
                break;
            }
            if let Some((_, caught_up)) = buffer.pending.pop_front() {
                buffer.base = caught_up;
            }
        }
        if buffer.pending.is_empty() {
            self.0 = None;
            return current;
        }
        match (&self.0, stale) {
            (Some(buffer), true) => &buffer.base,
            _ => current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_reader_sees_the_old_value_until_the_lag_has_passed() {
        let lag = Duration::from_millis(100);
        let t0 = Instant::now();
        let mut l = Lag::default();
        l.record(t0, lag, &1, &2);
        assert_eq!(*l.view(&2, t0, lag, true), 1);
        assert_eq!(*l.view(&2, t0, lag, false), 2);
        assert_eq!(*l.view(&2, t0 + Duration::from_millis(150), lag, true), 2);
    }
}
