//! Certification timing: whether a window is in force, when the next grant or revocation falls
//! due, what expires soon and which warnings are due. Pure: no IO, no async and no clock of its
//! own (every function is handed `now`), so the daemon decides when to look and tests need no
//! waiting.

mod expiring;
mod settings;
mod warnings;
mod window;
mod within;

#[cfg(test)]
mod dst_tests;

pub use expiring::{expiring, Expiring};
pub use settings::EnforcementSettings;
pub use warnings::{warnings_due, Warning};
pub use window::{
    agents_in_transition, enforced_window, in_force, next_transition, transition_passed,
};
pub use within::{Within, WithinError};

use crate::domain::{AgentKey, CertificationWindow, DesiredState, Name};

/// Every certification of every agent in `state`, in key order.
fn certifications(
    state: &DesiredState,
) -> impl Iterator<Item = (&AgentKey, &Name, &CertificationWindow)> {
    state.agents.iter().flat_map(|(agent, desired)| {
        desired
            .certifications
            .iter()
            .map(move |(name, window)| (agent, name, window))
    })
}

#[cfg(test)]
mod fixtures {
    use chrono::{DateTime, TimeZone, Utc};

    use crate::domain::{AgentKey, CertificationWindow, DesiredState, FeedScope, Name};

    /// 2026-11-`day` `hour`:00 UTC.
    pub(crate) fn nov(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .expect("valid instant")
    }

    pub(crate) fn window(
        issued_on: Option<DateTime<Utc>>,
        expires_on: Option<DateTime<Utc>>,
    ) -> CertificationWindow {
        CertificationWindow {
            issued_on,
            expires_on,
        }
    }

    pub(crate) fn agent(key: &str) -> AgentKey {
        AgentKey::Email(key.to_owned())
    }

    pub(crate) fn name(raw: &str) -> Name {
        Name::parse(raw).expect("valid name")
    }

    /// A state from `(agent, certification, window)` triples.
    pub(crate) fn state(entries: &[(&str, &str, CertificationWindow)]) -> DesiredState {
        let mut state = DesiredState::new(FeedScope::Partial);
        for (key, cert, window) in entries {
            state
                .agents
                .entry(agent(key))
                .or_default()
                .certifications
                .insert(name(cert), *window);
        }
        state
    }
}
