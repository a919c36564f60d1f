//! `converge_batch` against the scripted platform: how many batches and re-reads converging
//! takes, what each carries, and how each agent ends.

use std::collections::BTreeMap;

use chrono::Utc;

use super::scripted::{Answer, Scripted};
use super::{converge, converge_batch, AgentOutcome, Target};
use crate::domain::{AgentDesired, Change, LiveAgent, Name, Proficiency, SeenNames};
use crate::planner::{PlannerSettings, Policy};
use crate::platform::{NoJournal, Platform};

fn name(s: &str) -> Name {
    Name::parse(s).expect("name")
}

fn rated(skills: &[(&str, f64)]) -> BTreeMap<Name, Proficiency> {
    skills
        .iter()
        .map(|(n, v)| (name(n), Proficiency::nearest(*v).expect("proficiency")))
        .collect()
}

fn live(user: &str, skills: &[(&str, f64)]) -> LiveAgent {
    LiveAgent {
        user_id: user.into(),
        email: Some(format!("{user}@example.com")),
        version: 1,
        skills: rated(skills),
        ..LiveAgent::default()
    }
}

fn want(skills: &[(&str, f64)]) -> AgentDesired {
    AgentDesired {
        skills: rated(skills),
        ..AgentDesired::default()
    }
}

/// Skills `A` and `B` are managed; everything else is left alone.
fn policy(platform: &Scripted) -> Policy {
    let mut seen = SeenNames::default();
    seen.skills.extend(["A".to_string(), "B".to_string()]);
    Policy::build(
        &PlannerSettings::default(),
        platform.granularity(),
        &seen,
        Utc::now(),
    )
    .expect("policy")
}

/// Converges `agents` (each with what it should hold) in one batch.
async fn run(
    platform: &Scripted,
    agents: &[(LiveAgent, AgentDesired)],
    max_replans: u32,
) -> Vec<AgentOutcome> {
    let policy = policy(platform);
    let journal = NoJournal;
    let targets = agents
        .iter()
        .map(|(live, want)| {
            let target = Target {
                want,
                live: live.clone(),
                planned: None,
            };
            (target, &journal)
        })
        .collect();
    converge_batch(platform, targets, &policy, max_replans).await
}

/// Per batch: each agent's user id and the names its changes touch.
fn batches(platform: &Scripted) -> Vec<Vec<(String, Vec<String>)>> {
    let names = |changes: &[Change]| changes.iter().map(|c| c.name.to_string()).collect();
    platform
        .batches
        .lock()
        .iter()
        .map(|b| b.iter().map(|(u, c)| (u.clone(), names(c))).collect())
        .collect()
}

fn replans(outcome: &AgentOutcome) -> Option<u32> {
    match outcome {
        AgentOutcome::Written { replans, .. } => Some(*replans),
        AgentOutcome::Failed(_) => None,
    }
}

#[tokio::test]
async fn every_writer_goes_in_one_batch_and_an_agent_in_step_is_not_handed_over() {
    let agents = [
        (live("u1", &[]), want(&[("A", 3.0)])),
        (live("u2", &[("A", 3.0)]), want(&[("A", 3.0)])),
        (live("u3", &[("A", 1.0)]), want(&[("A", 2.0), ("B", 4.0)])),
    ];
    let platform = Scripted::with_agents(&[]);
    let outcomes = run(&platform, &agents, 5).await;
    assert_eq!(
        outcomes.iter().map(replans).collect::<Vec<_>>(),
        [Some(0), Some(0), Some(0)]
    );
    assert!(matches!(&outcomes[1], AgentOutcome::Written { changes, .. } if changes.is_empty()));
    assert_eq!(
        batches(&platform),
        [vec![
            ("u1".to_string(), vec!["A".to_string()]),
            ("u3".to_string(), vec!["A".to_string(), "B".to_string()]),
        ]]
    );
    assert!(platform.reads.lock().is_empty());
}

#[tokio::test]
async fn the_agents_that_conflicted_are_re_read_in_one_call_and_written_again_together() {
    let agents = [
        (live("u1", &[]), want(&[("A", 3.0)])),
        (live("u2", &[]), want(&[("A", 3.0)])),
        (live("u3", &[]), want(&[("B", 2.0)])),
    ];
    let platform =
        Scripted::with_agents(&agents.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>())
            .answer("u1", &[Answer::Conflict])
            .answer("u3", &[Answer::Conflict]);
    let outcomes = run(&platform, &agents, 5).await;
    assert_eq!(
        outcomes.iter().map(replans).collect::<Vec<_>>(),
        [Some(1), Some(0), Some(1)]
    );
    assert_eq!(
        *platform.reads.lock(),
        [vec!["u1".to_string(), "u3".to_string()]]
    );
    let batches = batches(&platform);
    assert_eq!(batches.len(), 2);
    assert_eq!(
        batches[1],
        [
            ("u1".to_string(), vec!["A".to_string()]),
            ("u3".to_string(), vec!["B".to_string()]),
        ]
    );
}

#[tokio::test]
async fn an_acknowledged_write_is_not_sent_again_when_the_re_read_lags() {
    // u1's first change lands, then it conflicts; the re-read still shows neither skill. u2
    // conflicts in the same batch: its own acknowledged writes (none) must not leak onto u1's.
    let agents = [
        (live("u1", &[]), want(&[("A", 3.0), ("B", 4.0)])),
        (live("u2", &[]), want(&[("A", 1.0), ("B", 2.0)])),
    ];
    let platform =
        Scripted::with_agents(&agents.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>())
            .answer("u1", &[Answer::AckFirstThenConflict])
            .answer("u2", &[Answer::Conflict]);
    let outcomes = run(&platform, &agents, 5).await;
    assert_eq!(
        outcomes.iter().map(replans).collect::<Vec<_>>(),
        [Some(1), Some(1)]
    );
    assert_eq!(
        batches(&platform)[1],
        [
            ("u1".to_string(), vec!["B".to_string()]),
            ("u2".to_string(), vec!["A".to_string(), "B".to_string()]),
        ]
    );
}

#[tokio::test]
async fn an_agent_that_keeps_conflicting_fails_after_its_last_re_plan() {
    let agents = [
        (live("u1", &[]), want(&[("A", 3.0)])),
        (live("u2", &[]), want(&[("A", 3.0)])),
    ];
    let platform =
        Scripted::with_agents(&agents.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>())
            .answer("u1", &[Answer::Conflict; 3]);
    let outcomes = run(&platform, &agents, 2).await;
    assert!(matches!(
        outcomes[0],
        AgentOutcome::Failed(crate::platform::PlatformError::Conflict { .. })
    ));
    assert_eq!(replans(&outcomes[1]), Some(0));
    // The first batch, then one per re-plan, each preceded by a re-read of u1 alone.
    assert_eq!(batches(&platform).len(), 3);
    assert_eq!(platform.reads.lock().len(), 2);
}

#[tokio::test]
async fn an_agent_the_re_read_no_longer_lists_fails_and_the_others_go_on() {
    let agents = [
        (live("u1", &[]), want(&[("A", 3.0)])),
        (live("u2", &[]), want(&[("A", 3.0)])),
    ];
    // Only u2 is still an active user.
    let platform = Scripted::with_agents(&[agents[1].0.clone()])
        .answer("u1", &[Answer::Conflict])
        .answer("u2", &[Answer::Conflict]);
    let outcomes = run(&platform, &agents, 5).await;
    assert!(
        matches!(&outcomes[0], AgentOutcome::Failed(e) if e.to_string().contains("no longer listed"))
    );
    assert_eq!(replans(&outcomes[1]), Some(1));
    assert_eq!(
        batches(&platform)[1],
        [("u2".to_string(), vec!["A".to_string()])]
    );
}

#[tokio::test]
async fn converging_one_agent_is_a_batch_of_one() {
    let (agent, wants) = (live("u1", &[]), want(&[("A", 3.0)]));
    let platform =
        Scripted::with_agents(std::slice::from_ref(&agent)).answer("u1", &[Answer::Conflict]);
    let policy = policy(&platform);
    let target = Target {
        want: &wants,
        live: agent,
        planned: None,
    };
    let outcome = converge(&platform, &NoJournal, target, &policy, 5).await;
    assert_eq!(replans(&outcome), Some(1));
    assert_eq!(batches(&platform).len(), 2);
    assert_eq!(*platform.reads.lock(), [vec!["u1".to_string()]]);
}
