//! Certification windows, incomplete reads, determinism.

use super::*;

#[test]
fn certifications_follow_their_windows_and_unmanaged_ones_stay() {
    let at = |month| {
        Utc.with_ymd_and_hms(2026, month, 1, 0, 0, 0)
            .single()
            .expect("instant")
    };
    let agent = AgentDesired {
        certifications: [
            (
                "PCI-DSS",
                CertificationWindow {
                    issued_on: Some(at(1)),
                    expires_on: Some(at(12)),
                },
            ),
            (
                "HIPAA",
                CertificationWindow {
                    issued_on: Some(at(1)),
                    expires_on: Some(at(3)),
                },
            ),
            (
                "GDPR",
                CertificationWindow {
                    issued_on: Some(at(9)),
                    expires_on: None,
                },
            ),
        ]
        .into_iter()
        .map(|(n, w)| (name(n), w))
        .collect(),
        ..AgentDesired::default()
    };
    let state = desired(FeedScope::Partial, vec![(key(1), agent)]);
    let mut have = live(1, &[]);
    have.certifications = BTreeSet::from(["HIPAA".to_string(), "ISO-27001".to_string()]);
    for attr in [AttributePolicy::Enforce, AttributePolicy::Additive] {
        let settings = PolicySettings {
            certifications: attr,
            ..PolicySettings::default()
        };
        let plan = plan(
            &state,
            std::slice::from_ref(&have),
            &policy_for(&state, OwnershipSettings::default(), settings),
        );
        assert_eq!(
            summary(&plan),
            vec![(
                "agent00001@example.com".into(),
                vec!["- certification HIPAA".into(), "+ certification PCI-DSS".into()]
            )],
            "{attr:?}: a lapsed certification goes even under additive; GDPR is not yet valid; ISO-27001 is unmanaged"
        );
    }
}

#[test]
fn a_user_read_incompletely_gets_no_certification_write_and_is_not_emptied_by_a_snapshot() {
    let window = CertificationWindow {
        issued_on: None,
        expires_on: None,
    };
    let agent = AgentDesired {
        certifications: [(name("PCI-DSS"), window)].into_iter().collect(),
        ..want(&[("A", 2.0)])
    };
    let state = desired(FeedScope::Snapshot, vec![(key(1), agent)]);
    // The platform dropped both users' expansions twice: their certification lists read empty.
    let mut listed = live(1, &[("A", 1.0)]);
    listed.incomplete = true;
    let mut unlisted = live(2, &[("A", 3.0)]);
    unlisted.incomplete = true;
    let plan = plan(&state, &[listed, unlisted], &policy(&state));
    assert_eq!(
        summary(&plan),
        vec![(
            "agent00001@example.com".into(),
            vec!["~ skill A 1 -> 2".into()]
        )],
        "skills were read from their own endpoint; certifications and the unlisted user wait"
    );
}

#[test]
fn the_same_inputs_give_the_same_plan_sorted_by_agent_then_change() {
    let state = desired(
        FeedScope::Snapshot,
        vec![
            (key(2), want(&[("Z", 1.0), ("A", 1.0)])),
            (key(1), want(&[("M", 1.0)])),
        ],
    );
    let live_agents = [live(2, &[]), live(1, &[]), live(3, &[("A", 2.0)])];
    let first = plan(&state, &live_agents, &policy(&state));
    assert_eq!(first, plan(&state, &live_agents, &policy(&state)));
    let labels: Vec<&str> = first.agents.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "agent00001@example.com",
            "agent00002@example.com",
            "agent00003@example.com"
        ]
    );
    let names: Vec<&str> = first.agents[1]
        .changes
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["A", "Z"]);
}

#[test]
fn an_agent_already_matching_gets_no_plan_at_all() {
    let state = desired(FeedScope::Snapshot, vec![(key(1), want(&[("A", 3.0)]))]);
    let plan = plan(&state, &[live(1, &[("A", 3.0)])], &policy(&state));
    assert!(plan.agents.is_empty() && plan.is_empty());
    assert_eq!(plan.counts.managed_assignments, 1);
    assert_eq!(plan.counts.managed_agents, 1);
}
