//! Converging several agents together: their writes go to the connector in one
//! [`Platform::apply_batch`] (which may group them into fewer calls), and the agents that
//! conflicted are re-read together in one call, each re-planned over its own acknowledged writes.
//! Converging one agent is a batch of one, so both paths keep the same rules: a stale write is
//! never re-sent as it was, and an acknowledged one is never sent again because a lagging re-read
//! does not show it yet.

use std::collections::HashMap;

use super::acknowledged::Acknowledged;
use super::converge::{replan_delay, AgentOutcome, Target};
use crate::domain::{AgentDesired, Change, LiveAgent};
use crate::planner::{plan_agent, Policy};
use crate::platform::{AgentWrite, Journal, Platform, PlatformError};

/// One agent while its batch converges.
struct Converging<'a, J> {
    want: &'a AgentDesired,
    live: LiveAgent,
    planned: Option<Vec<Change>>,
    /// Its own: what was acknowledged for this agent is laid over this agent's re-reads only.
    journal: Acknowledged<'a, J>,
    replans: u32,
    outcome: Option<AgentOutcome>,
}

/// Writes what every target needs, each announced to its own journal, re-reading and re-planning
/// the agents that conflicted up to `max_replans` times each. One outcome per target, in order.
pub async fn converge_batch<'a, P: Platform, J: Journal>(
    platform: &P,
    targets: Vec<(Target<'a>, &'a J)>,
    policy: &Policy,
    max_replans: u32,
) -> Vec<AgentOutcome> {
    let mut agents: Vec<Converging<'a, J>> = targets
        .into_iter()
        .map(|(target, journal)| Converging {
            want: target.want,
            live: target.live,
            planned: target.planned,
            journal: Acknowledged::new(journal),
            replans: 0,
            outcome: None,
        })
        .collect();
    let mut active: Vec<usize> = (0..agents.len()).collect();
    while !active.is_empty() {
        let writing = plan_round(&mut agents, &active, policy);
        let conflicted = write_round(platform, &mut agents, writing, max_replans).await;
        if conflicted.is_empty() {
            break;
        }
        // Agents conflict in the same round only if they had re-planned as often (the others
        // ended earlier), so one delay serves them all.
        let attempt = conflicted
            .iter()
            .map(|&i| agents[i].replans)
            .max()
            .unwrap_or(0);
        tokio::time::sleep(replan_delay(attempt)).await;
        for &i in &conflicted {
            agents[i].replans += 1;
        }
        reread(platform, &mut agents, &conflicted).await;
        active = conflicted
            .into_iter()
            .filter(|&i| agents[i].outcome.is_none())
            .collect();
    }
    agents
        .into_iter()
        .map(|a| {
            a.outcome.unwrap_or_else(|| {
                // Unreachable: every agent leaves `active` with an outcome.
                AgentOutcome::Failed(PlatformError::Decode {
                    path: "converge".into(),
                    reason: "the agent was left without an outcome".into(),
                })
            })
        })
        .collect()
}

/// Plans the `active` agents; those with nothing writable left are done. Returns the others with
/// their changes.
fn plan_round<J>(
    agents: &mut [Converging<'_, J>],
    active: &[usize],
    policy: &Policy,
) -> Vec<(usize, Vec<Change>)> {
    let mut writing = Vec::with_capacity(active.len());
    for &i in active {
        let agent = &mut agents[i];
        let changes = agent
            .planned
            .take()
            .unwrap_or_else(|| plan_agent(agent.want, &agent.live, policy));
        if changes.iter().any(|c| c.writable) {
            writing.push((i, changes));
        } else {
            agent.outcome = Some(AgentOutcome::Written {
                replans: agent.replans,
                changes,
            });
        }
    }
    writing
}

/// Hands `writing` to the connector in one batch and records each agent's outcome, except for
/// those that conflicted with re-plans left: they are returned.
async fn write_round<P: Platform, J: Journal>(
    platform: &P,
    agents: &mut [Converging<'_, J>],
    writing: Vec<(usize, Vec<Change>)>,
    max_replans: u32,
) -> Vec<usize> {
    if writing.is_empty() {
        return Vec::new();
    }
    let results = {
        let writes: Vec<AgentWrite<'_, Acknowledged<'_, J>>> = writing
            .iter()
            .map(|(i, changes)| AgentWrite {
                agent: &agents[*i].live,
                changes,
                journal: &agents[*i].journal,
            })
            .collect();
        platform.apply_batch(&writes).await
    };
    let mut results = results.into_iter();
    let mut conflicted = Vec::new();
    for (i, changes) in writing {
        let agent = &mut agents[i];
        // A connector that answers for fewer agents than it was given has not said these were
        // written: failing them makes the caller retry them after a fresh read.
        let result = results.next().unwrap_or_else(|| {
            Err(PlatformError::Decode {
                path: "apply_batch".into(),
                reason: "the connector returned no result for this agent".into(),
            })
        });
        match result {
            Ok(()) => {
                agent.outcome = Some(AgentOutcome::Written {
                    replans: agent.replans,
                    changes,
                })
            }
            Err(PlatformError::Conflict {
                message,
                correlation_id,
            }) if agent.replans < max_replans => {
                tracing::debug!(
                    agent = agent.live.label(),
                    message,
                    correlation_id,
                    "conflict; re-reading the agent"
                );
                conflicted.push(i);
            }
            Err(e) => agent.outcome = Some(AgentOutcome::Failed(e)),
        }
    }
    conflicted
}

/// Re-reads the `conflicted` agents in one call and lays each one's acknowledged writes over its
/// read; an agent the read no longer lists, or all of them if the read fails, get their outcome.
async fn reread<P: Platform, J: Journal>(
    platform: &P,
    agents: &mut [Converging<'_, J>],
    conflicted: &[usize],
) {
    let ids: Vec<String> = conflicted
        .iter()
        .map(|&i| agents[i].live.user_id.clone())
        .collect();
    let fresh = match platform.read_agents(&ids).await {
        Ok(fresh) => fresh,
        Err(e) => {
            for &i in conflicted {
                agents[i].outcome = Some(AgentOutcome::Failed(e.clone()));
            }
            return;
        }
    };
    let mut fresh: HashMap<String, LiveAgent> =
        fresh.into_iter().map(|a| (a.user_id.clone(), a)).collect();
    for &i in conflicted {
        let agent = &mut agents[i];
        match fresh.remove(&agent.live.user_id) {
            Some(read) => agent.live = agent.journal.over(read),
            None => {
                agent.outcome = Some(AgentOutcome::Failed(PlatformError::Decode {
                    path: format!("users/{}", agent.live.user_id),
                    reason: "the user is no longer listed as active".into(),
                }))
            }
        }
    }
}
