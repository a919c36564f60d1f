//! Applying a feed once: observe → plan → safety check → converge agents concurrently → wait
//! for the platform to settle → re-read what was written → repair what still differs. Agents'
//! writes are the reconciler's `converge_batch` (batches of one unless the connector groups
//! writes); this file only drives the rounds and must know nothing about terminals or files.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};

use super::report::{AgentFailure, ApplyError, ApplyReport};
use crate::domain::{AgentDesired, AgentKey, DesiredState, LiveAgent};
use crate::planner::{
    check_safety, holders_of, live_snapshot_baseline, plan, plan_agent, Policy, SafetySettings,
};
use crate::platform::{Journal, NoJournal, Platform};
use crate::reconciler::{converge_batch, AgentOutcome, ReconcileSettings, Target};

/// Progress, for a progress bar or log lines.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A write round starts with this many agents.
    Round {
        /// 1-based round number.
        number: u32,
        /// Agents to write.
        agents: usize,
    },
    /// One agent's writes finished.
    AgentDone {
        /// Its label.
        agent: &'a str,
        /// Whether the platform accepted them.
        ok: bool,
    },
    /// Waiting before verifying.
    Settling {
        /// How long.
        wait: Duration,
        /// Agents to re-read.
        agents: usize,
    },
}

/// Where each agent's writes are journaled. One journal per agent, because an audit row names
/// the agent by its feed key, which the write itself does not carry.
pub trait AgentJournals: Sync {
    /// The journal of one agent's writes.
    type Journal<'a>: Journal
    where
        Self: 'a;

    /// The journal for the agent the feed names `key` (`None`: an agent only the platform
    /// knows, cleared by a snapshot).
    fn agent<'a>(&'a self, key: Option<&'a AgentKey>) -> Self::Journal<'a>;
}

/// No record: for benchmarks and tests of the rounds themselves.
impl AgentJournals for NoJournal {
    type Journal<'a> = NoJournal;

    fn agent<'a>(&'a self, _: Option<&'a AgentKey>) -> NoJournal {
        NoJournal
    }
}

/// What `run` needs besides the platform and the feed.
pub struct Options<'a> {
    /// Planner policy.
    pub policy: &'a Policy,
    /// Safety thresholds.
    pub safety: &'a SafetySettings,
    /// Settle, verify and re-plan settings.
    pub reconcile: &'a ReconcileSettings,
    /// Apply even if a safety threshold trips.
    pub approve: bool,
    /// Agents written at the same time.
    pub concurrency: usize,
}

/// Makes the platform match `desired`, announcing every write to `journals` before making it,
/// and reports what happened.
pub async fn run<P: Platform, J: AgentJournals>(
    platform: &P,
    journals: &J,
    desired: &DesiredState,
    options: &Options<'_>,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<ApplyReport, ApplyError> {
    let started = Instant::now();
    let policy = options.policy;
    let live = platform.observe().await?;
    let plan = plan(desired, &live, policy);
    let snapshot = live_snapshot_baseline(desired, &plan);
    let violations = check_safety(&plan, options.safety, snapshot, &holders_of(&live));
    if !violations.is_empty() && !options.approve {
        return Err(ApplyError::Held(violations, Box::new(plan)));
    }

    let nothing = AgentDesired::default();
    let wants: HashMap<&str, &AgentDesired> = plan
        .agents
        .iter()
        .map(|a| {
            let want = a
                .key
                .as_ref()
                .and_then(|k| desired.agents.get(k))
                .unwrap_or(&nothing);
            (a.user_id.as_str(), want)
        })
        .collect();
    let want_of = |user_id: &str| wants.get(user_id).copied().unwrap_or(&nothing);
    let keys: HashMap<&str, &AgentKey> = plan
        .agents
        .iter()
        .filter_map(|a| Some((a.user_id.as_str(), a.key.as_ref()?)))
        .collect();
    let planned: HashSet<&str> = plan
        .agents
        .iter()
        .filter(|a| a.has_writes())
        .map(|a| a.user_id.as_str())
        .collect();
    let mut pending: Vec<LiveAgent> = live
        .into_iter()
        .filter(|a| planned.contains(a.user_id.as_str()))
        .collect();

    // A connector that groups agents' writes (CXone) gets them `write_batch` agents at a time,
    // one chunk at a time: it already fans a chunk out into `max_concurrency` calls in flight
    // (its batch is `write_batch_size × max_concurrency` agents), so more chunks at once would
    // exceed that limit against rate limits no one has confirmed. A chunk's conflict back-off
    // then idles the writes, but conflicts are rare and the back-off short. One agent at a time
    // (Genesys) is the same code with chunks of one, `concurrency` of them at once.
    let batch = platform.write_batch().max(1);
    let in_flight = if batch == 1 {
        options.concurrency.max(1)
    } else {
        1
    };
    let mut failures: Vec<AgentFailure> = Vec::new();
    let mut changed: HashSet<String> = HashSet::new();
    let mut rounds = 0;
    while !pending.is_empty() && rounds < options.reconcile.verify_rounds.max(1) {
        rounds += 1;
        on_event(Event::Round {
            number: rounds,
            agents: pending.len(),
        });
        let keys = &keys;
        let outcomes: Vec<(LiveAgent, AgentOutcome)> = stream::iter(chunks(pending, batch))
            .map(|chunk| async move {
                let agent_journals: Vec<_> = chunk
                    .iter()
                    .map(|a| journals.agent(keys.get(a.user_id.as_str()).copied()))
                    .collect();
                let targets = chunk
                    .iter()
                    .zip(&agent_journals)
                    .map(|(agent, journal)| {
                        let target = Target {
                            want: want_of(&agent.user_id),
                            live: agent.clone(),
                            planned: None,
                        };
                        (target, journal)
                    })
                    .collect();
                let outcomes =
                    converge_batch(platform, targets, policy, options.reconcile.max_replans).await;
                for (agent, outcome) in chunk.iter().zip(&outcomes) {
                    on_event(Event::AgentDone {
                        agent: agent.label(),
                        ok: matches!(outcome, AgentOutcome::Written { .. }),
                    });
                }
                chunk.into_iter().zip(outcomes).collect::<Vec<_>>()
            })
            .buffer_unordered(in_flight)
            .flat_map(stream::iter)
            .collect()
            .await;
        let mut written = Vec::new();
        for (agent, outcome) in outcomes {
            changed.insert(agent.user_id.clone());
            match outcome {
                AgentOutcome::Written { .. } => written.push(agent.user_id),
                AgentOutcome::Failed(error) => failures.push(AgentFailure {
                    agent: agent.label().to_string(),
                    user_id: agent.user_id,
                    reason: error.to_string(),
                }),
            }
        }
        pending = Vec::new();
        if written.is_empty() {
            break;
        }
        let wait = options.reconcile.settle();
        on_event(Event::Settling {
            wait,
            agents: written.len(),
        });
        tokio::time::sleep(wait).await;
        match platform.read_agents(&written).await {
            Ok(fresh) => {
                let seen: HashSet<&str> = fresh.iter().map(|a| a.user_id.as_str()).collect();
                for gone in written.iter().filter(|id| !seen.contains(id.as_str())) {
                    failures.push(AgentFailure {
                        agent: gone.clone(),
                        user_id: gone.clone(),
                        reason: "no longer listed as an active user when verifying".into(),
                    });
                }
                pending = fresh
                    .into_iter()
                    .filter(|a| {
                        plan_agent(want_of(&a.user_id), a, policy)
                            .iter()
                            .any(|c| c.writable)
                    })
                    .collect();
            }
            Err(error) => {
                for id in written {
                    failures.push(AgentFailure {
                        agent: id.clone(),
                        user_id: id,
                        reason: format!("cannot verify: {error}"),
                    });
                }
            }
        }
    }
    for agent in pending {
        failures.push(AgentFailure {
            agent: agent.label().to_string(),
            user_id: agent.user_id.clone(),
            reason: format!("still differs from the desired state after {rounds} rounds"),
        });
    }
    let failed: HashSet<&str> = failures.iter().map(|f| f.user_id.as_str()).collect();
    let agents_converged = changed
        .iter()
        .filter(|id| !failed.contains(id.as_str()))
        .count();
    failures.sort_by(|a, b| a.agent.cmp(&b.agent));
    Ok(ApplyReport {
        agents_changed: changed.len(),
        agents_converged,
        failures,
        rounds,
        calls: platform.calls(),
        elapsed: started.elapsed(),
        plan,
    })
}

/// `agents` in chunks of at most `size`, in order.
fn chunks(agents: Vec<LiveAgent>, size: usize) -> Vec<Vec<LiveAgent>> {
    let mut chunks = Vec::with_capacity(agents.len().div_ceil(size.max(1)));
    let mut agents = agents.into_iter().peekable();
    while agents.peek().is_some() {
        chunks.push(agents.by_ref().take(size.max(1)).collect());
    }
    chunks
}
