//! Which expiry warnings fall due in a span of time, so that the daemon fires each one exactly
//! once by asking about consecutive, non-overlapping spans. Deciding only; sending is `notify`'s.

use chrono::{DateTime, TimeDelta, Utc};

use super::certifications;
use crate::domain::{AgentKey, DesiredState, Name};

/// One warning that an agent's certification expires in `days` days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The agent holding the certification.
    pub agent: AgentKey,
    /// The certification.
    pub certification: Name,
    /// The warning threshold, in days of 24 hours before expiry.
    pub days: u32,
    /// When the certification expires.
    pub expires_on: DateTime<Utc>,
    /// When the warning falls due: `expires_on − days`.
    pub due_at: DateTime<Utc>,
}

/// The warnings whose threshold `expires_on − days` lies in `(from, to]`, for each of
/// `warning_days` (duplicates count once), sorted by `due_at`, agent, certification.
///
/// A warning is only due for a certification held at its threshold (issued by then) and not yet
/// expired at `to`: after a long pause the daemon does not announce an expiry that has already
/// happened, and a renewal issued a few days before its expiry does not get a 30-day warning.
/// Days are 24 hours, as for `validity_days`, so across a daylight-saving change a warning falls
/// an hour off local midnight.
pub fn warnings_due(
    state: &DesiredState,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    warning_days: &[u32],
) -> Vec<Warning> {
    let mut days: Vec<u32> = warning_days.to_vec();
    days.sort_unstable();
    days.dedup();
    let mut due: Vec<Warning> = certifications(state)
        .flat_map(|(agent, certification, window)| {
            let expires_on = window.expires_on.filter(|expires| to < *expires);
            days.iter().filter_map(move |&days| {
                let expires_on = expires_on?;
                let due_at = expires_on.checked_sub_signed(TimeDelta::days(i64::from(days)))?;
                (from < due_at && due_at <= to && window.is_active_at(due_at)).then(|| Warning {
                    agent: agent.clone(),
                    certification: certification.clone(),
                    days,
                    expires_on,
                    due_at,
                })
            })
        })
        .collect();
    due.sort_by(|a, b| {
        (a.due_at, &a.agent, &a.certification).cmp(&(b.due_at, &b.agent, &b.certification))
    });
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::fixtures::{nov, state, window};

    fn fired(warnings: &[Warning]) -> Vec<(String, u32)> {
        warnings
            .iter()
            .map(|w| (w.agent.to_string(), w.days))
            .collect()
    }

    #[test]
    fn a_warning_is_due_when_its_threshold_falls_in_the_span() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(30, 12))))]);
        let due = warnings_due(&s, nov(23, 0), nov(23, 12), &[30, 7, 1]);
        assert_eq!(fired(&due), [("a@x".to_owned(), 7)]);
        assert_eq!(due[0].due_at, nov(23, 12));
        assert_eq!(due[0].expires_on, nov(30, 12));
    }

    #[test]
    fn consecutive_spans_fire_each_warning_exactly_once() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(30, 12))))]);
        let at_the_threshold = warnings_due(&s, nov(23, 11), nov(23, 12), &[7]);
        let just_after = warnings_due(&s, nov(23, 12), nov(23, 13), &[7]);
        assert_eq!(at_the_threshold.len(), 1);
        assert!(just_after.is_empty());
    }

    #[test]
    fn a_span_covering_several_thresholds_fires_each_in_order() {
        let s = state(&[
            ("a@x", "PCI", window(None, Some(nov(30, 0)))),
            ("b@x", "PCI", window(None, Some(nov(29, 0)))),
        ]);
        let due = warnings_due(&s, nov(1, 0), nov(28, 12), &[1, 7, 7]);
        assert_eq!(
            fired(&due),
            [("b@x", 7), ("a@x", 7), ("b@x", 1)].map(|(a, d)| (a.to_owned(), d))
        );
    }

    #[test]
    fn no_warning_for_a_certification_already_expired_at_the_end_of_the_span() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(10, 0))))]);
        assert!(warnings_due(&s, nov(1, 0), nov(10, 0), &[7, 1]).is_empty());
        assert_eq!(warnings_due(&s, nov(1, 0), nov(9, 23), &[7, 1]).len(), 2);
    }

    #[test]
    fn no_warning_before_the_certification_is_issued() {
        let s = state(&[("a@x", "PCI", window(Some(nov(25, 0)), Some(nov(30, 0))))]);
        let due = warnings_due(&s, nov(1, 0), nov(29, 12), &[30, 7, 1]);
        assert_eq!(fired(&due), [("a@x".to_owned(), 1)]);
    }

    #[test]
    fn certifications_without_expiry_never_warn() {
        let s = state(&[("a@x", "PCI", window(Some(nov(1, 0)), None))]);
        assert!(warnings_due(&s, DateTime::<Utc>::MIN_UTC, nov(30, 0), &[30, 7, 1]).is_empty());
    }
}
