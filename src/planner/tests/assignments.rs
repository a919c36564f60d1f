//! Skills and languages: additions, updates, removals, policies, scopes, keys.

use super::*;

#[test]
fn missing_skills_are_added_different_ones_updated_equal_ones_left() {
    let state = desired(
        FeedScope::Partial,
        vec![(key(1), want(&[("A", 3.0), ("B", 4.5), ("C", 2.0)]))],
    );
    let plan = plan(
        &state,
        &[live(1, &[("B", 2.0), ("C", 2.0)])],
        &policy(&state),
    );
    assert_eq!(
        summary(&plan),
        vec![(
            "agent00001@example.com".into(),
            vec!["+ skill A (3)".into(), "~ skill B 2 -> 4.5".into()]
        )]
    );
    assert_eq!(
        (
            plan.counts.additions,
            plan.counts.updates,
            plan.counts.removals
        ),
        (1, 1, 0)
    );
}

#[test]
fn managed_skills_missing_from_the_feed_are_removed_and_unmanaged_ones_never() {
    // "Old" is managed because another agent's feed row names it; "Manual" is nobody's.
    let state = desired(
        FeedScope::Partial,
        vec![
            (key(1), want(&[("A", 3.0)])),
            (key(2), want(&[("Old", 1.0)])),
        ],
    );
    let live_agents = [
        live(1, &[("A", 3.0), ("Old", 2.0), ("Manual", 5.0)]),
        live(2, &[("Old", 1.0)]),
    ];
    let plan = plan(&state, &live_agents, &policy(&state));
    assert_eq!(
        summary(&plan),
        vec![(
            "agent00001@example.com".into(),
            vec!["- skill Old (2)".into()]
        )]
    );
}

#[test]
fn policies_decide_what_is_removed_and_what_is_written() {
    let state = desired(
        FeedScope::Partial,
        vec![
            (key(1), want(&[("A", 3.0)])),
            (key(2), want(&[("Old", 1.0)])),
        ],
    );
    let live_agents = [live(1, &[("Old", 2.0)]), live(2, &[("Old", 1.0)])];
    let cases = [
        (
            AttributePolicy::Enforce,
            vec!["+ skill A (3)", "- skill Old (2)"],
            false,
        ),
        (AttributePolicy::Additive, vec!["+ skill A (3)"], false),
        (
            AttributePolicy::Report,
            vec![
                "+ skill A (3) [report only]",
                "- skill Old (2) [report only]",
            ],
            true,
        ),
    ];
    for (attr, expected, empty) in cases {
        let settings = PolicySettings {
            skills: attr,
            ..PolicySettings::default()
        };
        let plan = plan(
            &state,
            &live_agents,
            &policy_for(&state, OwnershipSettings::default(), settings),
        );
        let got: Vec<String> = plan.agents[0]
            .changes
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, expected, "{attr:?}");
        assert_eq!(plan.is_empty(), empty, "{attr:?}");
    }
}

#[test]
fn a_partial_feed_leaves_unlisted_agents_alone_and_a_snapshot_clears_their_managed_skills() {
    let live_agents = [
        live(1, &[("A", 3.0)]),
        live(2, &[("A", 4.0), ("Manual", 1.0)]),
    ];
    for (scope, expected) in [
        (FeedScope::Partial, vec![]),
        (
            FeedScope::Snapshot,
            vec![(
                "agent00002@example.com".to_string(),
                vec!["- skill A (4)".to_string()],
            )],
        ),
    ] {
        let state = desired(scope, vec![(key(1), want(&[("A", 3.0)]))]);
        assert_eq!(
            summary(&plan(&state, &live_agents, &policy(&state))),
            expected,
            "{scope}"
        );
    }
}

#[test]
fn configured_ownership_protects_names_outside_it_even_from_a_snapshot() {
    let state = desired(
        FeedScope::Snapshot,
        vec![(key(1), want(&[("Billing_L1", 3.0), ("Sales_L1", 2.0)]))],
    );
    let settings = OwnershipSettings {
        skills: ScopeSettings {
            prefixes: vec!["Billing_".into()],
            ..ScopeSettings::default()
        },
        ..OwnershipSettings::default()
    };
    let live_agents = [
        live(1, &[("Billing_L2", 1.0), ("Sales_L9", 1.0)]),
        live(2, &[("Billing_L1", 2.0), ("Sales_L1", 5.0)]),
    ];
    let plan = plan(
        &state,
        &live_agents,
        &policy_for(&state, settings, PolicySettings::default()),
    );
    assert_eq!(
        summary(&plan),
        vec![
            (
                "agent00001@example.com".into(),
                vec![
                    "+ skill Billing_L1 (3)".into(),
                    "- skill Billing_L2 (1)".into()
                ]
            ),
            (
                "agent00002@example.com".into(),
                vec!["- skill Billing_L1 (2)".into()]
            ),
        ]
    );
    assert_eq!(
        plan.ignored.len(),
        1,
        "Sales_L1 is outside the scope: {:?}",
        plan.ignored
    );
    assert_eq!(plan.counts.managed_assignments, 2);
}

#[test]
fn proficiency_is_compared_at_the_platforms_granularity() {
    let mut agent = want(&[("Skill", 3.5)]);
    agent.languages = rated(&[("German", 3.5), ("French", 2.0)]);
    let state = desired(FeedScope::Partial, vec![(key(1), agent)]);
    let mut have = live(1, &[("Skill", 3.5)]);
    // The platform stored 3.5 as 4; 2 became 2.
    have.languages = rated(&[("German", 4.0), ("French", 3.0)]);
    let plan = plan(&state, &[have], &policy(&state));
    assert_eq!(
        summary(&plan),
        vec![(
            "agent00001@example.com".into(),
            vec!["~ language French 3 -> 2".into()]
        )]
    );
}

#[test]
fn languages_are_added_at_the_value_the_platform_will_store() {
    let agent = AgentDesired {
        languages: rated(&[("German", 2.5)]),
        ..AgentDesired::default()
    };
    let state = desired(FeedScope::Partial, vec![(key(1), agent)]);
    let plan = plan(&state, &[live(1, &[])], &policy(&state));
    assert_eq!(
        plan.agents[0].changes[0].to_string(),
        "+ language German (3)"
    );
}

#[test]
fn unknown_and_ambiguous_keys_are_reported_and_do_not_stop_the_plan() {
    let state = desired(
        FeedScope::Partial,
        vec![
            (key(1), want(&[("A", 1.0)])),
            (key(7), want(&[("A", 1.0)])),
            (key(9), want(&[("A", 1.0)])),
        ],
    );
    let mut twin = live(8, &[]);
    twin.email = Some("AGENT00009@example.com".into());
    let live_agents = [live(1, &[]), live(9, &[]), twin];
    let plan = plan(&state, &live_agents, &policy(&state));
    assert_eq!(plan.agents.len(), 1);
    let reasons: Vec<(String, String)> = plan
        .unmatched
        .iter()
        .map(|u| (u.key.to_string(), u.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                "agent00007@example.com".into(),
                "no platform user has this key".into()
            ),
            (
                "agent00009@example.com".into(),
                "2 platform users share this key".into()
            ),
        ]
    );
}

#[test]
fn users_sharing_a_key_a_snapshot_lists_are_left_alone_not_emptied() {
    let state = desired(FeedScope::Snapshot, vec![(key(9), want(&[("A", 1.0)]))]);
    let mut twin = live(8, &[("A", 3.0)]);
    twin.email = Some("AGENT00009@example.com".into());
    let plan = plan(&state, &[live(9, &[("A", 2.0)]), twin], &policy(&state));
    assert!(plan.agents.is_empty(), "{:?}", summary(&plan));
    assert_eq!(plan.unmatched.len(), 1);
}

#[test]
fn agents_can_be_matched_by_employee_id() {
    let state = desired(
        FeedScope::Partial,
        vec![(AgentKey::EmployeeId("E00002".into()), want(&[("A", 1.0)]))],
    );
    let mut policy = policy(&state);
    policy.agent_key = AgentKeyKind::EmployeeId;
    let plan = plan(&state, &[live(1, &[]), live(2, &[])], &policy);
    assert_eq!(plan.agents[0].user_id, "u2");
}
