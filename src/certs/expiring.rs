//! The certifications that stop being in force within a look-ahead (`GET
//! /v1/certifications/expiring?within=7d`, the daily sweep's gauges). Selection and order only.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::{certifications, enforced_window};
use crate::domain::{AgentKey, DesiredState, Name};

/// One certification that stops being in force soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    /// The agent holding it.
    pub agent: AgentKey,
    /// The certification.
    pub certification: Name,
    /// When it expires, as the feed says (enforcement ends `margin` earlier).
    pub expires_on: DateTime<Utc>,
}

/// Certifications in force at `now` that stop being in force (at `expires_on − margin`) no later
/// than `now + within`, sorted by expiry, then agent, then certification.
pub fn expiring(
    state: &DesiredState,
    now: DateTime<Utc>,
    within: Duration,
    margin: Duration,
) -> Vec<Expiring> {
    let horizon = TimeDelta::from_std(within)
        .ok()
        .and_then(|within| now.checked_add_signed(within))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut found: Vec<Expiring> = certifications(state)
        .filter_map(|(agent, certification, window)| {
            let expires_on = window.expires_on?;
            let enforced = enforced_window(window, margin);
            let ends = enforced.expires_on?;
            (enforced.is_active_at(now) && ends <= horizon).then(|| Expiring {
                agent: agent.clone(),
                certification: certification.clone(),
                expires_on,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        (a.expires_on, &a.agent, &a.certification).cmp(&(b.expires_on, &b.agent, &b.certification))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::fixtures::{agent, name, nov, state, window};

    const DAY: Duration = Duration::from_secs(86_400);

    fn listed(found: &[Expiring]) -> Vec<(String, String)> {
        found
            .iter()
            .map(|e| (e.agent.to_string(), e.certification.to_string()))
            .collect()
    }

    #[test]
    fn certifications_ending_within_the_look_ahead_are_listed_soonest_first() {
        let s = state(&[
            ("b@x", "PCI", window(None, Some(nov(5, 0)))),
            ("a@x", "PCI", window(None, Some(nov(5, 0)))),
            ("a@x", "HIPAA", window(None, Some(nov(3, 0)))),
            ("c@x", "PCI", window(None, Some(nov(20, 0)))),
        ]);
        let found = expiring(&s, nov(1, 0), 7 * DAY, Duration::ZERO);
        assert_eq!(
            listed(&found),
            [("a@x", "HIPAA"), ("a@x", "PCI"), ("b@x", "PCI")]
                .map(|(a, c)| (a.to_owned(), c.to_owned()))
        );
        assert_eq!(found[0].expires_on, nov(3, 0));
    }

    #[test]
    fn the_look_ahead_includes_its_last_instant() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(8, 0))))]);
        assert_eq!(expiring(&s, nov(1, 0), 7 * DAY, Duration::ZERO).len(), 1);
        assert!(expiring(&s, nov(1, 1), Duration::ZERO, Duration::ZERO).is_empty());
    }

    #[test]
    fn expired_unbounded_and_not_yet_issued_certifications_are_not_listed() {
        let s = state(&[
            ("a@x", "expired", window(None, Some(nov(1, 0)))),
            ("a@x", "forever", window(Some(nov(1, 0)), None)),
            ("a@x", "future", window(Some(nov(2, 0)), Some(nov(3, 0)))),
        ]);
        assert!(expiring(&s, nov(1, 0), 7 * DAY, Duration::ZERO).is_empty());
    }

    #[test]
    fn the_margin_brings_the_end_forward_but_the_feed_expiry_is_reported() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(9, 0))))]);
        assert!(expiring(&s, nov(1, 0), 7 * DAY, Duration::ZERO).is_empty());
        let found = expiring(&s, nov(1, 0), 7 * DAY, DAY);
        assert_eq!(
            found,
            [Expiring {
                agent: agent("a@x"),
                certification: name("PCI"),
                expires_on: nov(9, 0),
            }]
        );
    }

    #[test]
    fn an_enormous_look_ahead_lists_everything_bounded() {
        let s = state(&[("a@x", "PCI", window(None, Some(DateTime::<Utc>::MAX_UTC)))]);
        assert_eq!(
            expiring(&s, nov(1, 0), Duration::MAX, Duration::ZERO).len(),
            1
        );
    }
}
