//! Converging one agent: write what was planned for it, and on a conflict re-read and plan again
//! — a stale write is never re-sent as it was, and a write the platform acknowledged in this
//! attempt is never sent again because a lagging re-read does not show it yet. The loop itself
//! is `converge_batch`'s; this file holds what one agent's convergence is and ends as.

use std::time::Duration;

use super::converge_batch::converge_batch;
use crate::domain::{AgentDesired, Change, LiveAgent};
use crate::planner::Policy;
use crate::platform::{Journal, Platform, PlatformError};

/// How one agent's writes ended.
#[derive(Debug, Clone)]
pub enum AgentOutcome {
    /// Writes were accepted (or nothing was left to write after a re-read).
    Written {
        /// Re-plans after conflicts.
        replans: u32,
        /// The changes the last plan made (what was written).
        changes: Vec<Change>,
    },
    /// The platform refused, or kept conflicting.
    Failed(PlatformError),
}

/// The wait before re-reading after a conflict, growing with the re-plans made so far.
pub(super) fn replan_delay(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(5))
}

/// One agent to converge: what it should hold, how it was read, and — when the job planned it
/// from that very read — the changes planned then, which are written without planning again.
pub struct Target<'a> {
    /// The agent's desired state.
    pub want: &'a AgentDesired,
    /// The agent as last read.
    pub live: LiveAgent,
    /// The changes planned from `live`, if they were.
    pub planned: Option<Vec<Change>>,
}

/// Writes what `target` needs, re-reading and re-planning after conflicts up to `max_replans`
/// times: a batch of one, so that one agent and many follow the same rules.
pub async fn converge<P: Platform, J: Journal>(
    platform: &P,
    journal: &J,
    target: Target<'_>,
    policy: &Policy,
    max_replans: u32,
) -> AgentOutcome {
    converge_batch(platform, vec![(target, journal)], policy, max_replans)
        .await
        .pop()
        .unwrap_or_else(|| {
            // Unreachable: a batch answers once per target.
            AgentOutcome::Failed(PlatformError::Decode {
                path: "converge".into(),
                reason: "the batch returned no outcome".into(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replan_delays_grow_and_are_capped() {
        assert_eq!(replan_delay(0), Duration::from_millis(250));
        assert_eq!(replan_delay(2), Duration::from_millis(1000));
        assert_eq!(replan_delay(30), Duration::from_secs(5));
    }
}
