//! The shared pause after a 429: the budget belongs to the credential, so every task waits, not
//! only the one that saw it. Pacing is [`super::pacer`]'s job, not this one's.

use std::time::Duration;

use tokio::time::Instant;

/// When calls may resume.
#[derive(Debug, Default)]
pub struct Pause {
    until: parking_lot::Mutex<Option<Instant>>,
}

impl Pause {
    /// Pauses every call for `for_`, unless a longer pause is already in force.
    pub fn pause_all(&self, for_: Duration) {
        let until = Instant::now() + for_;
        let mut paused = self.until.lock();
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
            tracing::info!(
                seconds = for_.as_secs_f64(),
                "rate limited by the platform; pausing all calls"
            );
        }
    }

    /// Waits until no pause is in force, however often a pause is extended meanwhile.
    pub async fn wait_out(&self) {
        loop {
            let until = *self.until.lock();
            match until {
                Some(until) if Instant::now() < until => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// True while a pause is in force.
    pub fn active(&self) -> bool {
        self.until
            .lock()
            .is_some_and(|until| Instant::now() < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_shorter_pause_never_cuts_a_longer_one_short() {
        let pause = Pause::default();
        pause.pause_all(Duration::from_millis(60));
        pause.pause_all(Duration::from_millis(1));
        assert!(pause.active());
        let started = Instant::now();
        pause.wait_out().await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(!pause.active());
    }
}
