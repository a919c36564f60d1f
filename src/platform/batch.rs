//! Handing several agents' writes to a connector at once, so that it can group them into fewer
//! calls (CXone writes one skill for many agents in one call). The grouping is the connector's;
//! callers only hand over what the planner decided for each agent.

use crate::domain::{Change, LiveAgent};

/// One agent's writes within a batch.
pub struct AgentWrite<'a, J> {
    /// The agent as it was read when `changes` were planned.
    pub agent: &'a LiveAgent,
    /// What the planner decided for it.
    pub changes: &'a [Change],
    /// Where its writes are announced (a call covering several agents is announced to each).
    pub journal: &'a J,
}
