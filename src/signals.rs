//! Wake-ups between the daemon's parts (a job was queued, the desired state changed, the gauges
//! are stale). Shared by handle so that no part needs another's state; must carry no data.

use tokio::sync::Notify;

/// The wake-ups one daemon process shares between its parts.
#[derive(Debug, Default)]
pub struct Signals {
    /// Wakes the worker when a job is queued.
    pub wake: Notify,
    /// Wakes the urgent lane's worker when an urgent job is queued.
    pub wake_urgent: Notify,
    /// Wakes the certification timer when the desired state changed.
    pub certifications_changed: Notify,
    /// Asks the gauge refresher to read the database now (a job just saved what it observed).
    pub gauges_stale: Notify,
    /// Wakes the retirement check (a skill was retired).
    pub retirements: Notify,
}

impl Signals {
    /// Wakes the worker of the lane the queued job runs in.
    pub fn job_queued(&self, urgent: bool) {
        if urgent {
            self.wake_urgent.notify_one();
        } else {
            self.wake.notify_one();
        }
    }
}
