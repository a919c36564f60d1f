//! When one certification is enforced: its window with the safety margin taken off the end, and
//! the instants at which it starts and stops being in force. Arithmetic on instants only: what to
//! change on the platform at those instants is the reconciler's business.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::certifications;
use crate::domain::{CertificationWindow, DesiredState};

/// `window` as skillsync enforces it: from `issued_on` until `expires_on − margin`. A margin
/// longer than the time representable before `expires_on` leaves a window that never holds.
pub fn enforced_window(window: &CertificationWindow, margin: Duration) -> CertificationWindow {
    let margin = TimeDelta::from_std(margin).unwrap_or(TimeDelta::MAX);
    CertificationWindow {
        issued_on: window.issued_on,
        expires_on: window.expires_on.map(|expires| {
            expires
                .checked_sub_signed(margin)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        }),
    }
}

/// Whether the certification is in force at `now`: `issued_on ≤ now < expires_on − margin`,
/// an absent bound being open.
pub fn in_force(window: &CertificationWindow, now: DateTime<Utc>, margin: Duration) -> bool {
    enforced_window(window, margin).is_active_at(now)
}

/// The earliest instant strictly after `now` at which any certification in `state` starts or
/// stops being in force; `None` when nothing will change. The reconciler sleeps until then.
pub fn next_transition(
    state: &DesiredState,
    now: DateTime<Utc>,
    margin: Duration,
) -> Option<DateTime<Utc>> {
    certifications(state)
        .flat_map(|(_, _, window)| transitions(&enforced_window(window, margin)))
        .filter(|instant| *instant > now)
        .min()
}

/// Whether any certification in `state` started or stopped being in force in `(since, now]`.
pub fn transition_passed(
    state: &DesiredState,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    margin: Duration,
) -> bool {
    next_transition(state, since, margin).is_some_and(|t| t <= now)
}

/// The agents in `state` whose certifications started or stopped being in force in
/// `(since, now]`: those an urgent certification job plans, instead of everyone.
pub fn agents_in_transition(
    state: &DesiredState,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    margin: Duration,
) -> std::collections::BTreeSet<crate::domain::AgentKey> {
    certifications(state)
        .filter(|(_, _, window)| {
            transitions(&enforced_window(window, margin)).any(|t| since < t && t <= now)
        })
        .map(|(agent, _, _)| agent.clone())
        .collect()
}

/// The instants at which an enforced window changes state; none when it never holds, since
/// then neither bound changes anything.
fn transitions(enforced: &CertificationWindow) -> impl Iterator<Item = DateTime<Utc>> {
    let holds_sometime = match (enforced.issued_on, enforced.expires_on) {
        (Some(issued), Some(expires)) => issued < expires,
        _ => true,
    };
    [enforced.issued_on, enforced.expires_on]
        .into_iter()
        .flatten()
        .filter(move |_| holds_sometime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::fixtures::{nov, state, window};

    const HOUR: Duration = Duration::from_secs(3_600);

    #[test]
    fn a_certification_is_in_force_from_issue_until_expiry() {
        let w = window(Some(nov(10, 8)), Some(nov(20, 8)));
        assert!(!in_force(&w, nov(10, 7), Duration::ZERO));
        assert!(in_force(&w, nov(10, 8), Duration::ZERO));
        assert!(in_force(&w, nov(20, 7), Duration::ZERO));
        assert!(!in_force(&w, nov(20, 8), Duration::ZERO));
    }

    #[test]
    fn the_margin_ends_enforcement_that_much_before_expiry() {
        let w = window(None, Some(nov(20, 8)));
        assert!(in_force(&w, nov(20, 5), 2 * HOUR));
        assert!(!in_force(&w, nov(20, 6), 2 * HOUR));
        assert_eq!(
            enforced_window(&w, 2 * HOUR).expires_on,
            Some(nov(20, 6)),
            "the issue date is untouched and only the end moves"
        );
    }

    #[test]
    fn absent_bounds_are_open() {
        let unbounded = window(None, None);
        assert!(in_force(&unbounded, DateTime::<Utc>::MIN_UTC, HOUR));
        assert!(in_force(&unbounded, DateTime::<Utc>::MAX_UTC, HOUR));
        assert!(in_force(&window(Some(nov(1, 0)), None), nov(30, 0), HOUR));
    }

    #[test]
    fn a_margin_longer_than_all_time_never_panics_and_never_holds() {
        let w = window(None, Some(nov(20, 8)));
        assert!(!in_force(&w, DateTime::<Utc>::MIN_UTC, Duration::MAX));
        assert_eq!(
            next_transition(&state(&[("a@x", "PCI", w)]), nov(1, 0), Duration::MAX),
            None
        );
    }

    #[test]
    fn a_transition_counts_as_passed_once_between_two_checks() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(20, 8))))]);
        let passed = |since, now| transition_passed(&s, since, now, Duration::ZERO);
        assert!(!passed(nov(20, 0), nov(20, 7)), "not yet");
        assert!(passed(nov(20, 7), nov(20, 8)), "the instant itself");
        assert!(
            passed(nov(19, 0), nov(21, 0)),
            "a check that comes late, after a wake-up or a change of leader, still sees it"
        );
        assert!(
            !passed(nov(20, 8), nov(21, 0)),
            "and the next check does not again"
        );
    }

    #[test]
    fn only_the_agents_with_a_transition_in_the_interval_are_planned() {
        let s = state(&[
            ("a@x", "PCI", window(None, Some(nov(20, 8)))),
            ("b@x", "PCI", window(None, Some(nov(25, 0)))),
            ("c@x", "HIPAA", window(Some(nov(20, 6)), None)),
        ]);
        let keys = |since, now| {
            agents_in_transition(&s, since, now, Duration::ZERO)
                .into_iter()
                .map(|k| k.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(nov(20, 7), nov(20, 8)), ["a@x"]);
        assert_eq!(keys(nov(20, 0), nov(21, 0)), ["a@x", "c@x"]);
        assert!(keys(nov(20, 8), nov(21, 0)).is_empty(), "once only");
    }

    #[test]
    fn the_next_transition_is_the_earliest_start_or_stop_after_now() {
        let s = state(&[
            ("a@x", "PCI", window(Some(nov(10, 0)), Some(nov(20, 0)))),
            ("b@x", "HIPAA", window(None, Some(nov(15, 0)))),
            ("c@x", "PCI", window(Some(nov(12, 0)), None)),
        ]);
        assert_eq!(
            next_transition(&s, nov(1, 0), Duration::ZERO),
            Some(nov(10, 0))
        );
        assert_eq!(
            next_transition(&s, nov(10, 0), Duration::ZERO),
            Some(nov(12, 0))
        );
        assert_eq!(
            next_transition(&s, nov(12, 0), Duration::ZERO),
            Some(nov(15, 0))
        );
        assert_eq!(
            next_transition(&s, nov(15, 0), Duration::ZERO),
            Some(nov(20, 0))
        );
        assert_eq!(next_transition(&s, nov(20, 0), Duration::ZERO), None);
    }

    #[test]
    fn the_next_transition_honours_the_margin() {
        let s = state(&[("a@x", "PCI", window(None, Some(nov(20, 8))))]);
        assert_eq!(next_transition(&s, nov(1, 0), 3 * HOUR), Some(nov(20, 5)));
    }

    #[test]
    fn a_window_the_margin_swallows_has_no_transitions() {
        let s = state(&[("a@x", "PCI", window(Some(nov(20, 0)), Some(nov(20, 2))))]);
        assert_eq!(next_transition(&s, nov(1, 0), 3 * HOUR), None);
    }

    #[test]
    fn an_empty_state_has_no_next_transition() {
        assert_eq!(
            next_transition(&state(&[]), nov(1, 0), Duration::ZERO),
            None
        );
    }
}
