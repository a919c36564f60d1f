//! When routine changes wait: busy agents, scheduled activities, change windows, the deferral's
//! limit, and what never waits.

use super::*;
use crate::domain::{Routing, RoutingStatus};

const NOW: &str = "2026-12-07T12:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("instant")
        .with_timezone(&Utc)
}

fn rules(edit: impl FnOnce(&mut PolicySettings)) -> DeferralRules {
    let mut settings = PolicySettings::default();
    edit(&mut settings);
    DeferralRules::build(&settings, "Europe/Berlin").expect("valid rules")
}

fn change(name: &str, urgency: Urgency) -> Change {
    let action = if urgency == Urgency::Urgent {
        Action::Remove(None)
    } else {
        Action::Add(Some(Proficiency::MIN))
    };
    Change {
        urgency,
        ..Change::new(
            AssignmentKind::Skill,
            Name::parse(name).expect("name"),
            action,
            true,
        )
    }
}

fn busy(status: RoutingStatus) -> Situation<'static> {
    Situation {
        routing: Some(Routing {
            status,
            since: Some(at("2026-12-07T11:58:00Z")),
        }),
        ..Situation::default()
    }
}

/// The decision's kind, and a word its reason must hold.
fn kind(decision: &Decision) -> (&'static str, String) {
    match decision {
        Decision::Write { overdue: None } => ("write", String::new()),
        Decision::Write { overdue: Some(r) } => ("forced", r.clone()),
        Decision::UrgentOnly { reason } => ("urgent_only", reason.clone()),
        Decision::Wait { reason } => ("wait", reason.clone()),
    }
}

#[test]
fn routine_changes_wait_while_the_agent_is_busy_and_urgent_ones_do_not() {
    let defaults = rules(|_| {});
    let routine = vec![change("Sales", Urgency::Routine)];
    let mixed = vec![
        change("Sales", Urgency::Routine),
        change("Gate_PCI", Urgency::Urgent),
    ];
    let urgent = vec![change("Gate_PCI", Urgency::Urgent)];
    let table: Vec<(&str, &[Change], Situation<'_>, &str, &str)> = vec![
        (
            "free agent",
            &routine,
            busy(RoutingStatus::Idle),
            "write",
            "",
        ),
        (
            "off queue",
            &routine,
            busy(RoutingStatus::OffQueue),
            "write",
            "",
        ),
        (
            "status unknown",
            &routine,
            Situation::default(),
            "write",
            "",
        ),
        (
            "interacting",
            &routine,
            busy(RoutingStatus::Interacting),
            "wait",
            "INTERACTING since 2026-12-07T11:58:00+00:00",
        ),
        (
            "communicating",
            &routine,
            busy(RoutingStatus::Communicating),
            "wait",
            "COMMUNICATING",
        ),
        (
            "busy with an urgent change",
            &mixed,
            busy(RoutingStatus::Interacting),
            "urgent_only",
            "INTERACTING",
        ),
        (
            "only urgent",
            &urgent,
            busy(RoutingStatus::Interacting),
            "write",
            "",
        ),
        (
            "an operator's one-agent run",
            &routine,
            Situation {
                forced: true,
                ..busy(RoutingStatus::Interacting)
            },
            "write",
            "",
        ),
        (
            "nothing to write",
            &[],
            busy(RoutingStatus::Interacting),
            "write",
            "",
        ),
    ];
    for (case, changes, situation, want, word) in table {
        let (got, reason) = kind(&defaults.decide(changes, &situation, at(NOW)));
        assert_eq!(got, want, "{case}");
        assert!(reason.contains(word), "{case}: {reason}");
    }
}

#[test]
fn a_report_only_change_never_makes_an_agent_wait() {
    let mut unwritable = change("Sales", Urgency::Routine);
    unwritable.writable = false;
    let decision = rules(|_| {}).decide(&[unwritable], &busy(RoutingStatus::Interacting), at(NOW));
    assert_eq!(decision, Decision::Write { overdue: None });
}

#[test]
fn scheduled_activities_defer_only_when_configured() {
    let routine = [change("Sales", Urgency::Routine)];
    let on_queue = Situation {
        activity: Some("OnQueueWork"),
        ..Situation::default()
    };
    let defaults = rules(|_| {});
    assert!(!defaults.needs_activities());
    assert_eq!(
        kind(&defaults.decide(&routine, &on_queue, at(NOW))).0,
        "write"
    );
    let shifts = rules(|s| s.defer_when = vec!["OnQueueWork".into()]);
    assert!(shifts.needs_activities() && !shifts.defers_on_routing());
    let (got, reason) = kind(&shifts.decide(&routine, &on_queue, at(NOW)));
    assert_eq!(got, "wait");
    assert!(reason.contains("scheduled for OnQueueWork"), "{reason}");
    let on_break = Situation {
        activity: Some("Break"),
        ..Situation::default()
    };
    assert_eq!(
        kind(&shifts.decide(&routine, &on_break, at(NOW))).0,
        "write"
    );
}

#[test]
fn the_deferral_limit_writes_or_keeps_waiting_as_configured() {
    let routine = [change("Sales", Urgency::Routine)];
    let waited = |since: &str| Situation {
        deferred_since: Some(at(since)),
        ..busy(RoutingStatus::Interacting)
    };
    let write = rules(|s| s.max_defer_secs = 3600.0);
    // 59 minutes: still waiting; 60: written, and the reason says why.
    assert_eq!(
        kind(&write.decide(&routine, &waited("2026-12-07T11:01:00Z"), at(NOW))).0,
        "wait"
    );
    let (got, reason) = kind(&write.decide(&routine, &waited("2026-12-07T11:00:00Z"), at(NOW)));
    assert_eq!(got, "forced");
    assert!(
        reason.contains("policy.max_defer_secs (3600 s)"),
        "{reason}"
    );
    assert!(reason.contains("INTERACTING"), "{reason}");

    let keep = rules(|s| {
        s.max_defer_secs = 3600.0;
        s.after_max_defer = AfterMaxDefer::KeepWaiting;
    });
    let (got, reason) = kind(&keep.decide(&routine, &waited("2026-12-07T10:00:00Z"), at(NOW)));
    assert_eq!(got, "wait");
    assert!(reason.starts_with("overdue: "), "{reason}");
}

#[test]
fn outside_the_change_windows_routine_changes_wait_however_long() {
    // 12:00 UTC is 13:00 in Berlin: outside 22:00-06:00.
    let night = rules(|s| s.change_windows = vec!["22:00-06:00".into()]);
    let routine = [change("Sales", Urgency::Routine)];
    let long_ago = Situation {
        deferred_since: Some(at("2026-12-01T00:00:00Z")),
        ..busy(RoutingStatus::Interacting)
    };
    for situation in [Situation::default(), long_ago] {
        let (got, reason) = kind(&night.decide(&routine, &situation, at(NOW)));
        assert_eq!(got, "wait");
        assert!(
            reason.contains("outside the change windows 22:00-06:00 (Europe/Berlin)")
                && reason.contains("2026-12-07T21:00:00+00:00"),
            "{reason}"
        );
    }
    let urgent = [change("Gate_PCI", Urgency::Urgent)];
    assert_eq!(
        kind(&night.decide(&urgent, &Situation::default(), at(NOW))).0,
        "write"
    );
    // 22:30 in Berlin: open.
    assert_eq!(
        kind(&night.decide(&routine, &Situation::default(), at("2026-12-07T21:30:00Z"))).0,
        "write"
    );
}

#[test]
fn bad_settings_are_refused_with_the_key_named() {
    type Edit = fn(&mut PolicySettings);
    let table: Vec<(Edit, &str)> = vec![
        (
            |s| s.defer_when = vec!["BUSY".into()],
            "policy.defer_when: \"BUSY\"",
        ),
        (|s| s.defer_when = vec!["onqueuework".into()], "OnQueueWork"),
        (
            |s| s.change_windows = vec!["22-06".into()],
            "policy.change_windows",
        ),
        (|s| s.max_defer_secs = -1.0, "policy.max_defer_secs"),
        (|s| s.defer_recheck_secs = 0.0, "policy.defer_recheck_secs"),
    ];
    for (edit, word) in table {
        let mut settings = PolicySettings::default();
        edit(&mut settings);
        let error = DeferralRules::build(&settings, "UTC").expect_err("refused");
        assert!(error.to_string().contains(word), "{error}");
    }
    let zone = DeferralRules::build(&PolicySettings::default(), "Mars/Olympus").expect_err("zone");
    assert!(zone.to_string().contains("reconcile.time_zone"), "{zone}");
}
