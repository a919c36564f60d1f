//! Retiring a skill (issue 16): from its date it is removed from every agent holding it — listed
//! by the feed or not, managed or not, under `additive` too — and no feed or certification puts it
//! back. Its removals are approved already: no safety threshold or coverage minimum holds them.

use super::*;

fn retiring(mut policy: Policy, skills: &[&str]) -> Policy {
    policy.retiring = skills.iter().map(|s| name(s)).collect();
    policy
}

fn org() -> Vec<LiveAgent> {
    vec![
        live(1, &[("Legacy", 3.0), ("Billing", 2.0)]),
        live(2, &[("Legacy", 1.0)]),
        live(3, &[("Billing", 2.0)]),
    ]
}

#[test]
fn a_retiring_skill_goes_from_every_holder_whatever_the_feed_says() {
    // A partial feed that lists agent 1 only, and still names the skill for it.
    let state = desired(
        FeedScope::Partial,
        vec![(key(1), want(&[("Legacy", 3.0), ("Billing", 2.0)]))],
    );
    let cases: [(&str, PolicySettings); 2] = [
        ("enforce", PolicySettings::default()),
        (
            "additive",
            PolicySettings {
                skills: AttributePolicy::Additive,
                ..PolicySettings::default()
            },
        ),
    ];
    for (case, attributes) in cases {
        let policy = retiring(
            policy_for(&state, OwnershipSettings::default(), attributes),
            &["Legacy"],
        );
        let result = plan(&state, &org(), &policy);
        assert_eq!(
            summary(&result),
            [
                (
                    "agent00001@example.com".to_string(),
                    vec!["- skill Legacy (3)".to_string()]
                ),
                (
                    "agent00002@example.com".to_string(),
                    vec!["- skill Legacy (1)".to_string()]
                ),
            ],
            "{case}"
        );
        for change in result.agents.iter().flat_map(|a| &a.changes) {
            assert_eq!(
                change.rule.as_deref(),
                Some(crate::planner::retirement::RETIRED),
                "{case}"
            );
            assert_eq!(
                change.urgency,
                Urgency::Routine,
                "{case}: at the normal pace"
            );
        }
        assert_eq!(result.retiring, ["Legacy".to_string()].into(), "{case}");
        // Approved removals: not destructive for the thresholds.
        assert_eq!(result.counts.destructive, 0, "{case}");
        assert_eq!(result.counts.removals, 2, "{case}");
    }
}

#[test]
fn retirement_removals_are_never_held_by_coverage_or_thresholds() {
    let state = desired(FeedScope::Partial, vec![]);
    let policy = retiring(policy(&state), &["Legacy"]);
    let org = org();
    let result = plan(&state, &org, &policy);
    let strict = SafetySettings {
        max_destructive: 0,
        max_destructive_percent: 0.0,
        min_holders: 5,
        ..SafetySettings::default()
    };
    assert_eq!(check_safety(&result, &strict, None, &holders_of(&org)), []);
}

#[test]
fn a_snapshot_a_held_agent_and_report_policies_still_apply() {
    let state = desired(
        FeedScope::Snapshot,
        vec![(key(3), want(&[("Billing", 2.0)]))],
    );
    let mut held = retiring(policy(&state), &["Legacy"]);
    held.hold_routine = true;
    let result = plan(&state, &org(), &held);
    // Planned, for everyone, but not written while routine changes wait.
    assert_eq!(result.agents.len(), 2);
    assert!(result.agents.iter().all(|a| !a.has_writes()));
    let report = retiring(
        policy_for(
            &state,
            OwnershipSettings::default(),
            PolicySettings {
                skills: AttributePolicy::Report,
                ..PolicySettings::default()
            },
        ),
        &["Legacy"],
    );
    assert!(
        plan(&state, &org(), &report).is_empty(),
        "report writes nothing"
    );
}

#[test]
fn a_retiring_gate_skill_is_not_granted_back_by_its_certification() {
    let state = desired(FeedScope::Partial, vec![]);
    let mut policy = retiring(policy(&state), &["Legacy"]);
    policy.certifications = CertificationRules::new(
        &[(
            "PCI".to_string(),
            crate::feed::CertificationSettings {
                gate_skill: Some("Legacy".into()),
                ..Default::default()
            },
        )]
        .into(),
        std::time::Duration::ZERO,
        &GENESYS,
    )
    .expect("gate");
    let mut certified = live(2, &[("Legacy", 1.0)]);
    certified.certifications.insert("PCI".into());
    let mut want_cert = want(&[]);
    want_cert.certifications.insert(
        name("PCI"),
        CertificationWindow {
            issued_on: None,
            expires_on: None,
        },
    );
    let state = desired(FeedScope::Partial, vec![(key(2), want_cert)]);
    let result = plan(&state, &[certified], &policy);
    assert_eq!(
        summary(&result),
        [(
            "agent00002@example.com".to_string(),
            vec!["- skill Legacy (1)".to_string()]
        )]
    );
}
