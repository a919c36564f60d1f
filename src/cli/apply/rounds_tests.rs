//! The write rounds against the scripted platform: agents go to the connector `write_batch` at
//! a time, and one at a time when it does not group writes.

use std::collections::BTreeMap;

use chrono::Utc;
use parking_lot::Mutex;

use super::rounds::{run, Event, Options};
use crate::domain::{
    AgentDesired, AgentKey, DesiredState, FeedScope, LiveAgent, Name, Proficiency, SeenNames,
};
use crate::planner::{PlannerSettings, Policy, SafetySettings};
use crate::platform::{NoJournal, Platform};
use crate::reconciler::scripted::Scripted;
use crate::reconciler::ReconcileSettings;

fn skill_a() -> BTreeMap<Name, Proficiency> {
    let p = Proficiency::nearest(3.0).expect("proficiency");
    [(Name::parse("A").expect("name"), p)].into_iter().collect()
}

/// Five agents without skill `A`, which the feed gives them all.
fn fixture(batch: usize) -> (Scripted, DesiredState) {
    let agents: Vec<LiveAgent> = (1..=5)
        .map(|n| LiveAgent {
            user_id: format!("u{n}"),
            email: Some(format!("u{n}@example.com")),
            version: 1,
            ..LiveAgent::default()
        })
        .collect();
    let mut platform = Scripted::with_agents(&agents);
    platform.batch = batch;
    platform.lands = true;
    let want = AgentDesired {
        skills: skill_a(),
        ..AgentDesired::default()
    };
    let desired = DesiredState {
        scope: FeedScope::Partial,
        agents: agents
            .iter()
            .map(|a| {
                (
                    AgentKey::Email(format!("{}@example.com", a.user_id)),
                    want.clone(),
                )
            })
            .collect(),
    };
    (platform, desired)
}

/// Applies the fixture; returns the sizes of the batches handed over and the agents reported
/// done.
async fn apply(batch: usize) -> (Vec<usize>, usize) {
    let (platform, desired) = fixture(batch);
    let policy = Policy::build(
        &PlannerSettings::default(),
        platform.granularity(),
        &SeenNames::of(&desired),
        Utc::now(),
    )
    .expect("policy");
    let reconcile = ReconcileSettings {
        settle_secs: 0.0,
        verify_rounds: 1,
        ..ReconcileSettings::default()
    };
    let options = Options {
        policy: &policy,
        safety: &SafetySettings::default(),
        reconcile: &reconcile,
        approve: true,
        concurrency: 4,
    };
    let done = Mutex::new(0);
    let report = run(&platform, &NoJournal, &desired, &options, &|e| {
        if let Event::AgentDone { ok, .. } = e {
            assert!(ok);
            *done.lock() += 1;
        }
    })
    .await
    .expect("applied");
    assert!(report.converged(), "{:?}", report.failures);
    assert_eq!(report.agents_converged, 5);
    let mut sizes: Vec<usize> = platform.batches.lock().iter().map(Vec::len).collect();
    sizes.sort_unstable();
    (sizes, done.into_inner())
}

#[tokio::test]
async fn agents_are_handed_over_write_batch_at_a_time() {
    assert_eq!(apply(2).await, (vec![1, 2, 2], 5));
}

#[tokio::test]
async fn a_connector_that_does_not_group_writes_gets_one_agent_at_a_time() {
    assert_eq!(apply(1).await, (vec![1, 1, 1, 1, 1], 5));
}
