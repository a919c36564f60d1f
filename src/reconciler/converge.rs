//! Converging one agent: write what was planned for it, and on a conflict re-read and plan again
//! — a stale write is never re-sent as it was, and a write the platform acknowledged in this
//! attempt is never sent again because a lagging re-read does not show it yet.

use std::time::Duration;

use super::acknowledged::Acknowledged;
use crate::domain::{AgentDesired, Change, LiveAgent};
use crate::planner::{plan_agent, Policy};
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

fn replan_delay(attempt: u32) -> Duration {
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
/// times.
pub async fn converge<P: Platform, J: Journal>(
    platform: &P,
    journal: &J,
    target: Target<'_>,
    policy: &Policy,
    max_replans: u32,
) -> AgentOutcome {
    let Target {
        want,
        mut live,
        mut planned,
    } = target;
    let journal = Acknowledged::new(journal);
    let mut replans = 0;
    loop {
        let changes = planned
            .take()
            .unwrap_or_else(|| plan_agent(want, &live, policy));
        if !changes.iter().any(|c| c.writable) {
            return AgentOutcome::Written { replans, changes };
        }
        match platform.apply(&live, &changes, &journal).await {
            Ok(()) => return AgentOutcome::Written { replans, changes },
            Err(PlatformError::Conflict {
                message,
                correlation_id,
            }) if replans < max_replans => {
                tracing::debug!(
                    agent = live.label(),
                    message,
                    correlation_id,
                    "conflict; re-reading the agent"
                );
                tokio::time::sleep(replan_delay(replans)).await;
                replans += 1;
                match platform
                    .read_agents(std::slice::from_ref(&live.user_id))
                    .await
                {
                    Ok(mut fresh) if fresh.len() == 1 => live = journal.over(fresh.remove(0)),
                    Ok(_) => {
                        return AgentOutcome::Failed(PlatformError::Decode {
                            path: format!("users/{}", live.user_id),
                            reason: "the user is no longer listed as active".into(),
                        })
                    }
                    Err(e) => return AgentOutcome::Failed(e),
                }
            }
            Err(e) => return AgentOutcome::Failed(e),
        }
    }
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
