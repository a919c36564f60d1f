//! Gate skills that follow certifications, with margins.

use super::*;
use std::time::Duration;

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .expect("instant")
}

fn rules(margin_hours: u64) -> CertificationRules {
    CertificationRules {
        margin: Duration::from_secs(margin_hours * 3600),
        gates: [(
            "PCI-DSS".to_string(),
            Gate {
                skill: name("Gate_PCI"),
                proficiency: p(5.0),
            },
        )]
        .into(),
    }
}

fn plan_at(
    now: DateTime<Utc>,
    window: CertificationWindow,
    have: LiveAgent,
    margin_hours: u64,
) -> Vec<Change> {
    let want = AgentDesired {
        certifications: [(name("PCI-DSS"), window)].into(),
        ..AgentDesired::default()
    };
    let state = desired(FeedScope::Partial, vec![(key(1), want)]);
    let mut policy = policy(&state);
    policy.now = now;
    policy.certifications = rules(margin_hours);
    plan(&state, &[have], &policy)
        .agents
        .into_iter()
        .flat_map(|a| a.changes)
        .collect()
}

fn window(from: DateTime<Utc>, until: DateTime<Utc>) -> CertificationWindow {
    CertificationWindow {
        issued_on: Some(from),
        expires_on: Some(until),
    }
}

fn holding(gate: bool) -> LiveAgent {
    let mut agent = live(1, if gate { &[("Gate_PCI", 5.0)] } else { &[] });
    if gate {
        agent.certifications.insert("PCI-DSS".into());
    }
    agent
}

fn shown(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|c| format!("{c} | {}", c.rule.as_deref().unwrap_or("-")))
        .collect()
}

#[test]
fn a_certification_in_force_grants_its_entry_and_gate_skill() {
    let changes = plan_at(
        at(6, 1, 12),
        window(at(1, 1, 0), at(12, 1, 0)),
        holding(false),
        0,
    );
    assert_eq!(
        shown(&changes),
        [
            "+ skill Gate_PCI (5) | gate skill of PCI-DSS: in force until 2026-12-01T00:00:00Z",
            "+ certification PCI-DSS | PCI-DSS: in force until 2026-12-01T00:00:00Z",
        ]
    );
}

#[test]
fn an_expired_certification_loses_entry_and_gate_even_if_it_expired_while_nobody_looked() {
    for now in [at(12, 1, 0), at(12, 24, 9)] {
        let changes = plan_at(now, window(at(1, 1, 0), at(12, 1, 0)), holding(true), 0);
        assert_eq!(
            shown(&changes),
            [
                "- skill Gate_PCI (5) | gate skill of PCI-DSS: expired at 2026-12-01T00:00:00Z",
                "- certification PCI-DSS | PCI-DSS: expired at 2026-12-01T00:00:00Z",
            ],
            "{now}"
        );
    }
}

#[test]
fn the_safety_margin_ends_a_certification_early() {
    let changes = plan_at(
        at(11, 30, 23),
        window(at(1, 1, 0), at(12, 1, 0)),
        holding(true),
        2,
    );
    assert!(
        changes
            .iter()
            .all(|c| matches!(c.action, Action::Remove(_))),
        "{:?}",
        shown(&changes)
    );
    assert!(changes[0]
        .rule
        .as_deref()
        .is_some_and(|r| r.contains("expired at 2026-11-30T22:00:00Z")));
}

#[test]
fn a_future_issue_date_grants_nothing_yet_and_a_renewal_grants_again() {
    let future = plan_at(
        at(6, 1, 0),
        window(at(7, 1, 0), at(12, 1, 0)),
        holding(false),
        0,
    );
    assert!(future.is_empty(), "{:?}", shown(&future));
    let renewed = plan_at(
        at(12, 2, 0),
        window(at(12, 1, 12), at(12, 31, 0)),
        holding(false),
        0,
    );
    assert_eq!(renewed.len(), 2, "{:?}", shown(&renewed));
}

#[test]
fn a_lapsed_certifications_gate_goes_even_under_additive_and_gates_count_as_managed() {
    let want = AgentDesired {
        certifications: [(name("PCI-DSS"), window(at(1, 1, 0), at(12, 1, 0)))].into(),
        ..AgentDesired::default()
    };
    let state = desired(FeedScope::Partial, vec![(key(1), want)]);
    let mut policy = policy(&state);
    policy.now = at(12, 2, 0);
    policy.certifications = rules(0);
    policy.attributes = PolicySettings {
        skills: AttributePolicy::Additive,
        certifications: AttributePolicy::Additive,
        ..PolicySettings::default()
    };
    let plan = plan(&state, &[holding(true)], &policy);
    let changes: Vec<String> = plan
        .agents
        .iter()
        .flat_map(|a| &a.changes)
        .map(ToString::to_string)
        .collect();
    assert_eq!(changes, ["- skill Gate_PCI (5)", "- certification PCI-DSS"]);
    assert_eq!(
        plan.counts.managed_assignments, 2,
        "the gate skill and the certification"
    );
    assert_eq!(plan.counts.destructive, 2);
}

#[test]
fn a_gate_skill_is_owned_even_when_no_feed_names_it() {
    // The agent is listed (for another skill) but holds no certification: its gate goes.
    let state = desired(
        FeedScope::Partial,
        vec![(key(1), want(&[("Billing_L1", 2.0)]))],
    );
    let mut policy = policy(&state);
    policy.certifications = rules(0);
    let changes: Vec<String> = plan(
        &state,
        &[live(1, &[("Gate_PCI", 5.0), ("Billing_L1", 2.0)])],
        &policy,
    )
    .agents
    .into_iter()
    .flat_map(|a| a.changes)
    .map(|c| c.to_string())
    .collect();
    assert_eq!(changes, ["- skill Gate_PCI (5)"]);
}

#[test]
fn revocations_and_their_gate_skills_are_urgent_grants_and_feed_changes_are_routine() {
    let urgencies = |changes: &[Change]| -> Vec<(String, &'static str)> {
        changes
            .iter()
            .map(|c| (format!("{c}"), c.urgency.as_str()))
            .collect()
    };
    let granted = plan_at(
        at(6, 1, 12),
        window(at(1, 1, 0), at(12, 1, 0)),
        holding(false),
        0,
    );
    let revoked = plan_at(
        at(12, 2, 0),
        window(at(1, 1, 0), at(12, 1, 0)),
        holding(true),
        0,
    );
    let table = [
        (&granted, "+ skill Gate_PCI (5)", "routine"),
        (&granted, "+ certification PCI-DSS", "routine"),
        (&revoked, "- skill Gate_PCI (5)", "urgent"),
        (&revoked, "- certification PCI-DSS", "urgent"),
    ];
    for (changes, change, expected) in table {
        assert!(
            urgencies(changes).contains(&(change.to_owned(), expected)),
            "{change}: {:?}",
            urgencies(changes)
        );
    }
    // A feed's own changes to ordinary skills stay routine, downgrades included.
    let want = AgentDesired {
        skills: [(name("Billing_L1"), Proficiency::nearest(1.0).expect("p"))].into(),
        ..AgentDesired::default()
    };
    let state = desired(FeedScope::Snapshot, vec![(key(1), want)]);
    let policy = policy(&state);
    let changes: Vec<Change> = plan(&state, &[live(1, &[("Billing_L1", 3.0)])], &policy)
        .agents
        .into_iter()
        .flat_map(|a| a.changes)
        .collect();
    assert!(!changes.is_empty());
    assert!(
        changes.iter().all(|c| c.urgency == Urgency::Routine),
        "{changes:?}"
    );
}
