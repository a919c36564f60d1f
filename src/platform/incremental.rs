//! Incremental reads: the agents whose assignments changed since a cursor an earlier read
//! returned. Only connectors whose platform can list changes offer them; whether such a
//! listing reports removals is not always known, so a full read stays the backstop.

use crate::domain::LiveAgent;

/// What changed since a cursor.
#[derive(Debug, Clone, Default)]
pub struct Changed {
    /// The changed agents, read whole (every assignment, not only the changed ones).
    pub agents: Vec<LiveAgent>,
    /// The cursor to pass next time.
    pub cursor: String,
}
