//! A platform for the reconciler's unit tests: its writes answer as a test scripts them, and it
//! records every batch and every re-read, so that a test can say how many calls converging took
//! and what each carried. It acknowledges writes through the journal as a connector would.

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;

use crate::domain::{Change, Granularity, LiveAgent};
use crate::platform::{
    AgentWrite, CallCounts, CallKind, Journal, Platform, PlatformError, WriteIntent, WriteResult,
};

/// One `apply_batch` as the platform saw it: each agent's user id and the changes handed over.
pub type Batch = Vec<(String, Vec<Change>)>;

const WRITE: CallKind = CallKind::write("scripted_write");

/// How one agent's write answers.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// Every change is acknowledged.
    Ok,
    /// Nothing is written: the agent changed under us.
    Conflict,
    /// The first writable change is acknowledged, then the rest conflicts.
    AckFirstThenConflict,
}

/// The scripted platform.
#[derive(Default)]
pub struct Scripted {
    /// What a re-read answers, by user id; an id missing here is no longer an active user.
    /// Writes change it only when `lands` is set.
    pub agents: Mutex<HashMap<String, LiveAgent>>,
    /// Per user, the answers of its successive writes; once they run out, writes succeed.
    pub answers: Mutex<HashMap<String, VecDeque<Answer>>>,
    /// Every `apply_batch`: each agent's user id and the changes handed over for it.
    pub batches: Mutex<Vec<Batch>>,
    /// Every `read_agents`: the user ids asked for.
    pub reads: Mutex<Vec<Vec<String>>>,
    /// What `write_batch` answers (0 counts as 1).
    pub batch: usize,
    /// Whether acknowledged writes show in later reads; by default reads lag behind them all.
    pub lands: bool,
}

impl Scripted {
    /// Agents as a re-read finds them.
    pub fn with_agents(agents: &[LiveAgent]) -> Self {
        let s = Self::default();
        s.agents
            .lock()
            .extend(agents.iter().map(|a| (a.user_id.clone(), a.clone())));
        s
    }

    /// Scripts the answers of `user_id`'s next writes.
    pub fn answer(self, user_id: &str, answers: &[Answer]) -> Self {
        self.answers
            .lock()
            .insert(user_id.into(), answers.iter().copied().collect());
        self
    }

    async fn write_one<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        let answer = self
            .answers
            .lock()
            .get_mut(&agent.user_id)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Answer::Ok);
        let acknowledged = match answer {
            Answer::Ok => usize::MAX,
            Answer::Conflict => 0,
            Answer::AckFirstThenConflict => 1,
        };
        for change in changes.iter().filter(|c| c.writable).take(acknowledged) {
            let intent = WriteIntent {
                kind: WRITE,
                user_id: &agent.user_id,
                label: agent.label(),
                changes: vec![change],
                realizes: true,
            };
            let token = journal
                .before(&intent)
                .await
                .map_err(|e| PlatformError::Journal(e.to_string()))?;
            let result = WriteResult {
                kind: WRITE,
                status: Some(200),
                correlation_id: None,
                error: None,
                landed_items: Vec::new(),
            };
            journal.after(token, &result).await;
            if self.lands {
                if let Some(live) = self.agents.lock().get_mut(&agent.user_id) {
                    live.with_landed(change);
                }
            }
        }
        match answer {
            Answer::Ok => Ok(()),
            Answer::Conflict | Answer::AckFirstThenConflict => Err(PlatformError::Conflict {
                message: "scripted".into(),
                correlation_id: "c".into(),
            }),
        }
    }
}

impl Platform for Scripted {
    fn granularity(&self) -> Granularity {
        crate::platform::scales::GENESYS
    }

    async fn observe(&self) -> Result<Vec<LiveAgent>, PlatformError> {
        Ok(self.agents.lock().values().cloned().collect())
    }

    async fn read_agents(&self, user_ids: &[String]) -> Result<Vec<LiveAgent>, PlatformError> {
        self.reads.lock().push(user_ids.to_vec());
        let agents = self.agents.lock();
        Ok(user_ids
            .iter()
            .filter_map(|id| agents.get(id).cloned())
            .collect())
    }

    async fn apply<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        self.batches
            .lock()
            .push(vec![(agent.user_id.clone(), changes.to_vec())]);
        self.write_one(agent, changes, journal).await
    }

    fn write_batch(&self) -> usize {
        self.batch.max(1)
    }

    async fn apply_batch<J: Journal>(
        &self,
        writes: &[AgentWrite<'_, J>],
    ) -> Vec<Result<(), PlatformError>> {
        self.batches.lock().push(
            writes
                .iter()
                .map(|w| (w.agent.user_id.clone(), w.changes.to_vec()))
                .collect(),
        );
        let mut results = Vec::with_capacity(writes.len());
        for w in writes {
            results.push(self.write_one(w.agent, w.changes, w.journal).await);
        }
        results
    }

    async fn refresh_definitions(&self) {}

    async fn check_credentials(&self) -> Result<(), PlatformError> {
        Ok(())
    }

    fn calls(&self) -> CallCounts {
        CallCounts::default()
    }
}
