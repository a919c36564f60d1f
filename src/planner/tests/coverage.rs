//! The coverage guard: a plan may not leave a managed skill with fewer holders than
//! `safety.min_holders`, counting every observed agent; moving a skill between agents, a gate
//! skill's removal and a skill that was already short are not held.

use super::*;

/// The policy of an org whose feeds have named both skills before.
fn managing_both(state: &DesiredState) -> Policy {
    let settings = OwnershipSettings {
        skills: ScopeSettings {
            names: vec!["Billing".into(), "Sales".into()],
            ..ScopeSettings::default()
        },
        ..OwnershipSettings::default()
    };
    policy_for(state, settings, PolicySettings::default())
}

fn live_org() -> Vec<LiveAgent> {
    vec![
        live(1, &[("Billing", 3.0), ("Sales", 2.0)]),
        live(2, &[("Billing", 3.0), ("Sales", 2.0)]),
        live(3, &[("Sales", 2.0)]),
        // Not in any feed: still a holder.
        live(4, &[("Sales", 4.0)]),
    ]
}

/// Violations (as `skill now→after`) of a partial feed giving agents 1–3 `skills` each.
fn held(skills: &[(&str, f64)], edit: impl FnOnce(&mut SafetySettings)) -> Vec<String> {
    let state = desired(
        FeedScope::Partial,
        (1..=3).map(|n| (key(n), want(skills))).collect(),
    );
    let org = live_org();
    let plan = plan(&state, &org, &managing_both(&state));
    let mut settings = SafetySettings {
        max_destructive: usize::MAX,
        max_destructive_percent: 100.0,
        ..SafetySettings::default()
    };
    edit(&mut settings);
    check_safety(&plan, &settings, None, &holders_of(&org))
        .into_iter()
        .map(|v| match v {
            SafetyViolation::TooFewHolders {
                skill, now, after, ..
            } => format!("{skill} {now}→{after}"),
            other => panic!("unexpected {other}"),
        })
        .collect()
}

#[test]
fn removing_a_skill_from_its_last_holders_is_held() {
    // Billing: held by agents 1 and 2 only; the feed lists Sales alone.
    assert_eq!(held(&[("Sales", 2.0)], |_| {}), ["Billing 2→0"]);
    // Sales keeps agent 4, whom the feed does not list: 4 → 1 meets the minimum of 1.
    assert_eq!(held(&[("Billing", 3.0)], |_| {}), Vec::<String>::new());
    // A per-skill minimum counts the same way.
    assert_eq!(
        held(&[("Billing", 3.0)], |s| {
            s.skill_min_holders.insert("Sales".into(), 2);
        }),
        ["Sales 4→1"]
    );
    assert_eq!(
        held(&[("Sales", 2.0)], |s| s.min_holders = 0),
        Vec::<String>::new()
    );
}

#[test]
fn a_skill_moving_to_other_agents_is_not_a_loss() {
    let state = desired(
        FeedScope::Partial,
        vec![
            (key(1), want(&[("Sales", 2.0)])),
            (key(2), want(&[("Sales", 2.0)])),
            (key(3), want(&[("Sales", 2.0), ("Billing", 3.0)])),
        ],
    );
    let org = live_org();
    let plan = plan(&state, &org, &managing_both(&state));
    let violations = check_safety(
        &plan,
        &SafetySettings {
            max_destructive: usize::MAX,
            max_destructive_percent: 100.0,
            ..SafetySettings::default()
        },
        None,
        &holders_of(&org),
    );
    assert!(violations.is_empty(), "2 → 1: {violations:?}");
}

#[test]
fn the_message_names_the_skill_and_the_counts() {
    let v = SafetyViolation::TooFewHolders {
        skill: "Billing".into(),
        now: 2,
        after: 0,
        min: 1,
    };
    let text = v.to_string();
    assert!(
        text.contains("skill Billing would be held by 2 → 0 agents")
            && text.contains("safety.min_holders"),
        "{text}"
    );
}
