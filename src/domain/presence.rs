//! What an agent is doing now, as far as deferral cares: the platform's routing status (which
//! comes with the observe pages) and, when asked for, the activity workforce management scheduled
//! for this moment.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// A Genesys Cloud routing status (`GET /api/v2/users/{id}/routingstatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoutingStatus {
    /// Not on queue.
    OffQueue,
    /// On queue, waiting for an interaction.
    Idle,
    /// Handling an ACD interaction.
    Interacting,
    /// Alerted and did not answer.
    NotResponding,
    /// On a non-ACD interaction.
    Communicating,
}

impl RoutingStatus {
    /// Every status, in the platform's spelling order.
    pub const ALL: [Self; 5] = [
        Self::OffQueue,
        Self::Idle,
        Self::Interacting,
        Self::NotResponding,
        Self::Communicating,
    ];

    /// The platform's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OffQueue => "OFF_QUEUE",
            Self::Idle => "IDLE",
            Self::Interacting => "INTERACTING",
            Self::NotResponding => "NOT_RESPONDING",
            Self::Communicating => "COMMUNICATING",
        }
    }
}

impl fmt::Display for RoutingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not one of the platform's routing statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown routing status {0:?}")]
pub struct UnknownRoutingStatus(pub String);

impl FromStr for RoutingStatus {
    type Err = UnknownRoutingStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownRoutingStatus(s.to_owned()))
    }
}

/// An agent's routing status and since when, as one read saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routing {
    /// The status.
    pub status: RoutingStatus,
    /// When the agent entered it, when the platform says.
    pub since: Option<DateTime<Utc>>,
}

/// The scheduled activity categories of Genesys Cloud workforce management adherence
/// (`scheduledActivityCategory`).
pub const ACTIVITY_CATEGORIES: [&str; 9] = [
    "OnQueueWork",
    "Break",
    "Meal",
    "Meeting",
    "OffQueueWork",
    "TimeOff",
    "Training",
    "Unavailable",
    "Unscheduled",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_in_the_platform_spelling_only() {
        for status in RoutingStatus::ALL {
            assert_eq!(status.as_str().parse::<RoutingStatus>(), Ok(status));
        }
        assert!("interacting".parse::<RoutingStatus>().is_err());
        assert!("BUSY".parse::<RoutingStatus>().is_err());
    }
}
