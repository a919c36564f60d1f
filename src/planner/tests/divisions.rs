//! `ownership.divisions`: users of other divisions are never planned — not matched by a feed,
//! not cleared by a snapshot — and a user whose division is unknown is not assumed to be ours.

use super::*;

fn in_division(mut agent: LiveAgent, division: Option<&str>) -> LiveAgent {
    agent.division = division.map(str::to_owned);
    agent
}

#[test]
fn only_users_of_the_owned_divisions_are_planned() {
    let state = desired(
        FeedScope::Snapshot,
        vec![
            (key(1), want(&[("Billing", 3.0)])),
            (key(2), want(&[("Billing", 3.0)])),
        ],
    );
    let live_agents = vec![
        in_division(live(1, &[]), Some("Care")),
        in_division(live(2, &[]), Some("Sales")),
        // Not listed by the snapshot: only an owned one is cleared.
        in_division(live(3, &[("Billing", 2.0)]), Some("Care")),
        in_division(live(4, &[("Billing", 2.0)]), Some("Sales")),
        in_division(live(5, &[("Billing", 2.0)]), None),
    ];
    let settings = OwnershipSettings {
        divisions: vec!["Care".into()],
        ..OwnershipSettings::default()
    };
    let result = plan(
        &state,
        &live_agents,
        &policy_for(&state, settings, PolicySettings::default()),
    );
    let planned: Vec<&str> = result.agents.iter().map(|a| a.user_id.as_str()).collect();
    assert_eq!(planned, ["u1", "u3"]);
    assert_eq!(result.unmatched.len(), 1);
    assert_eq!(
        result.unmatched[0].reason,
        "the user is in a division outside ownership.divisions"
    );

    // Without divisions configured, everyone is planned as before.
    let everyone = plan(&state, &live_agents, &policy(&state));
    assert_eq!(everyone.agents.len(), 5);
}
