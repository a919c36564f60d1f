//! Which queued job a trigger merges into, and which lane runs it. Certification instants and
//! one-agent runs are urgent: each has a queue of its own (never merged into a routine job, nor a
//! routine trigger into them) and runs in the urgent lane, beside the routine job, so that it
//! does not wait for a long feed job (issue 14). Every other trigger shares the routine queue.

use chrono::{DateTime, Utc};

use super::backend::Dialect;
use super::jobs::COLUMNS;
use super::{JobRecord, Store, StoreError, Trigger};

/// The routine queue's name in `jobs.queue`.
const ROUTINE: &str = "routine";
/// The certification queue's name.
const CERTIFICATION: &str = "certification";

/// Which jobs a worker claims: at most one job of each lane runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Feeds, scans, startup: one at a time, in order.
    Routine,
    /// Certification instants and one-agent runs: ahead of and beside the routine lane.
    Urgent,
}

impl Lane {
    /// The SQL condition on `jobs` that selects this lane's jobs.
    pub(super) fn condition(self) -> &'static str {
        match self {
            Self::Routine => "queue = 'routine'",
            Self::Urgent => "queue <> 'routine'",
        }
    }

    /// Whether one owner runs several of the lane's jobs at once. Urgent jobs do, so that a
    /// certification instant does not wait for the previous certification job's verification
    /// (a settle time, 60 s on Genesys Cloud); routine jobs run one at a time, in order.
    pub fn concurrent(self) -> bool {
        matches!(self, Self::Urgent)
    }

    /// The lane's name, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Routine => "routine",
            Self::Urgent => "urgent",
        }
    }
}

/// The queue a trigger merges into: a one-agent run merges only with a run for the same agent,
/// a certification instant only with another instant, anything else into the routine job.
fn queue_of(trigger: Trigger, agent: Option<&str>) -> String {
    match (trigger, agent) {
        (_, Some(agent)) => format!("agent:{agent}"),
        (Trigger::Certification, None) => CERTIFICATION.to_owned(),
        _ => ROUTINE.to_owned(),
    }
}

impl Store {
    /// Queues a job, or merges the trigger into the job already queued in its queue: within the
    /// routine queue, any full request widens it to everyone; a feed trigger wins; a partial
    /// read (an incremental scan, a deferral re-check) gives way to any other trigger (which
    /// reads everyone), and two different partial reads make a full scan.
    pub async fn enqueue_job(
        &self,
        trigger: Trigger,
        feed_id: Option<i64>,
        agent: Option<&str>,
    ) -> Result<JobRecord, StoreError> {
        self.enqueue(trigger, feed_id, agent, None).await
    }

    /// Queues an urgent certification job for the transitions after `since` (merged with one
    /// already queued: the earlier `since` wins, so that no transition is left out).
    pub async fn enqueue_certification_job(
        &self,
        since: DateTime<Utc>,
    ) -> Result<JobRecord, StoreError> {
        self.enqueue(Trigger::Certification, None, None, Some(since))
            .await
    }

    async fn enqueue(
        &self,
        trigger: Trigger,
        feed_id: Option<i64>,
        agent: Option<&str>,
        since: Option<DateTime<Utc>>,
    ) -> Result<JobRecord, StoreError> {
        let queue = queue_of(trigger, agent);
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "INSERT INTO jobs (trigger, feed_id, agent_key, status, queue, transitions_since, org)
             VALUES ($1, $2, $3, 'queued', $4, $5, $6)
             ON CONFLICT (org, queue) WHERE status = 'queued' DO UPDATE SET
                 coalesced = jobs.coalesced + 1,
                 feed_id = COALESCE(excluded.feed_id, jobs.feed_id),
                 agent_key = CASE WHEN jobs.agent_key IS NOT DISTINCT FROM excluded.agent_key
                                  THEN jobs.agent_key ELSE NULL END,
                 trigger = CASE WHEN excluded.trigger = 'feed' THEN 'feed'
                                WHEN jobs.trigger = excluded.trigger THEN jobs.trigger
                                WHEN jobs.trigger IN {partial} AND excluded.trigger IN {partial}
                                THEN 'schedule'
                                WHEN jobs.trigger IN {partial} THEN excluded.trigger
                                ELSE jobs.trigger END,
                 transitions_since = CASE
                     WHEN excluded.transitions_since < jobs.transitions_since
                     THEN excluded.transitions_since ELSE jobs.transitions_since END
             RETURNING {COLUMNS}",
            partial = "('incremental_scan', 'deferred_recheck')",
        ))
        .bind(trigger.as_str())
        .bind(feed_id)
        .bind(agent)
        .bind(queue)
        .bind(since.map(D::ts))
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_triggers_have_queues_of_their_own() {
        assert_eq!(queue_of(Trigger::Feed, None), "routine");
        assert_eq!(queue_of(Trigger::Schedule, None), "routine");
        assert_eq!(queue_of(Trigger::Certification, None), "certification");
        assert_eq!(queue_of(Trigger::Manual, Some("a@x")), "agent:a@x");
        assert_eq!(queue_of(Trigger::Manual, None), "routine");
    }
}
