//! Table-driven tests of the planner: ownership, policies, scopes, rounding, certifications.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::{
    AgentDesired, AgentKey, AgentKeyKind, CertificationWindow, DesiredState, FeedScope,
    Granularity, LiveAgent, Name, Proficiency, SeenNames, Step,
};

fn name(s: &str) -> Name {
    Name::parse(s).expect("name")
}

fn p(v: f64) -> Proficiency {
    Proficiency::nearest(v).expect("proficiency")
}

fn rated(items: &[(&str, f64)]) -> BTreeMap<Name, Proficiency> {
    items.iter().map(|(n, v)| (name(n), p(*v))).collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .expect("instant")
}

fn live(n: u32, skills: &[(&str, f64)]) -> LiveAgent {
    LiveAgent {
        user_id: format!("u{n}"),
        email: Some(format!("agent{n:05}@example.com")),
        employee_id: Some(format!("E{n:05}")),
        version: 1,
        skills: rated(skills),
        ..LiveAgent::default()
    }
}

fn key(n: u32) -> AgentKey {
    AgentKey::Email(format!("agent{n:05}@example.com"))
}

fn want(skills: &[(&str, f64)]) -> AgentDesired {
    AgentDesired {
        skills: rated(skills),
        ..AgentDesired::default()
    }
}

fn desired(scope: FeedScope, agents: Vec<(AgentKey, AgentDesired)>) -> DesiredState {
    DesiredState {
        scope,
        agents: agents.into_iter().collect(),
    }
}

fn policy_for(
    state: &DesiredState,
    settings: OwnershipSettings,
    attributes: PolicySettings,
) -> Policy {
    Policy {
        agent_key: AgentKeyKind::Email,
        attributes,
        ownership: Ownership::build(&settings, &SeenNames::of(state)).expect("ownership"),
        granularity: Granularity {
            skills: Step::Half,
            languages: Step::Whole,
        },
        now: now(),
        certifications: CertificationRules::default(),
    }
}

fn policy(state: &DesiredState) -> Policy {
    policy_for(
        state,
        OwnershipSettings::default(),
        PolicySettings::default(),
    )
}

/// Changes as short strings, per agent label.
fn summary(plan: &Plan) -> Vec<(String, Vec<String>)> {
    plan.agents
        .iter()
        .map(|a| {
            (
                a.label.clone(),
                a.changes.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

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

mod certification_gates {
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
}
