//! Feeds and the desired state: recording every feed, accepting a new version atomically (its
//! history rows, the state in force, the names seen), and withdrawing one.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::codec::desired_from_json;
use super::{corrupt, JobRecord, Store, StoreError};
use crate::domain::{AgentKey, AgentKeyKind, DesiredState, FeedScope, SeenNames};

/// Rows written per statement when storing a large feed.
pub(super) const BATCH: usize = 5_000;

/// What is known about a feed before it is stored.
#[derive(Debug, Clone)]
pub struct NewFeed {
    /// Ingest source name.
    pub source: String,
    /// `partial` or `snapshot`.
    pub scope: FeedScope,
    /// `csv` or `json`.
    pub format: String,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
}

/// A stored feed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FeedRecord {
    /// Id.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// `partial` or `snapshot`.
    pub scope: String,
    /// `csv` or `json`.
    pub format: String,
    /// `accepted`, `rejected`, `unchanged` or `withdrawn`.
    pub status: String,
    /// Content hash of the normalized state.
    pub hash: Option<String>,
    /// Agents listed.
    pub agents: i32,
    /// Skill assignments.
    pub skills: i32,
    /// Language assignments.
    pub languages: i32,
    /// Certifications.
    pub certifications: i32,
    /// Every row error of a rejected feed.
    pub errors: Option<serde_json::Value>,
    /// Warnings.
    pub warnings: Option<serde_json::Value>,
    /// The job it started.
    pub job_id: Option<i64>,
}

/// The outcome of offering a valid feed.
#[derive(Debug, Clone)]
pub enum Accepted {
    /// A new version of the desired state.
    New(FeedRecord),
    /// Identical (same hash) to the version in force: recorded, nothing else changes.
    Unchanged(FeedRecord),
    /// Seen before under the same `Idempotency-Key`.
    Replayed(FeedRecord),
}

pub(super) const COLUMNS: &str =
    "id, source, received_at, scope, format, status, hash, agents, skills, languages, \
                       certifications, errors, warnings, job_id";

impl Store {
    /// The feed stored under this idempotency key.
    pub async fn feed_by_idempotency_key(
        &self,
        key: &str,
    ) -> Result<Option<FeedRecord>, StoreError> {
        dispatch!(self, feeds::feed_by_idempotency_key(key))
    }

    /// Records a rejected feed with its errors; the desired state is not touched.
    pub async fn record_rejected_feed(
        &self,
        feed: &NewFeed,
        errors: serde_json::Value,
        warnings: serde_json::Value,
    ) -> Result<FeedRecord, StoreError> {
        dispatch!(self, feeds::record_rejected_feed(feed, errors, warnings))
    }

    /// Stores a valid feed as the new version of the desired state, in one transaction: the feed
    /// row, one history row per agent, the state in force (a snapshot replaces it, a partial feed
    /// replaces only the agents it lists) and the names it mentions. A feed whose hash equals the
    /// version in force is recorded as `unchanged` and changes nothing.
    pub async fn accept_feed(
        &self,
        feed: &NewFeed,
        state: &DesiredState,
        hash: &str,
        warnings: serde_json::Value,
    ) -> Result<Accepted, StoreError> {
        dispatch!(self, feeds::accept_feed(feed, state, hash, warnings))
    }

    /// Links a feed to the job it started.
    pub async fn set_feed_job(&self, feed_id: i64, job_id: i64) -> Result<(), StoreError> {
        dispatch!(self, feeds::set_feed_job(feed_id, job_id))
    }

    /// Withdraws a feed (an operator rejected its job): it leaves the desired state for good.
    pub async fn withdraw_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &["accepted", "held"], "withdrawn")
            .await
    }

    /// Takes a feed whose job was held out of the desired state until a decision.
    pub async fn hold_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &["accepted"], "held").await
    }

    /// Puts a held feed back into the desired state (its job was approved).
    pub async fn release_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &["held"], "accepted").await
    }

    /// Moves a feed from one of `from` to `to` and rebuilds the desired state and the names
    /// seen from the accepted history, in one transaction.
    async fn set_feed_status(
        &self,
        feed_id: i64,
        from: &[&str],
        to: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, desired::set_feed_status(feed_id, from, to))
    }

    /// The desired state in force. Its scope is `snapshot` once any snapshot has been accepted:
    /// from then on users it does not list hold no managed assignments.
    pub async fn current_desired(&self, kind: AgentKeyKind) -> Result<DesiredState, StoreError> {
        let (snapshot, rows) = dispatch!(self, desired::desired_rows())?;
        let mut state = DesiredState::new(if snapshot {
            FeedScope::Snapshot
        } else {
            FeedScope::Partial
        });
        for (key, desired) in rows {
            let key = AgentKey::parse(kind, &key)
                .map_err(|e| corrupt("desired", format!("{key}: {e}")))?;
            state.agents.insert(
                key,
                desired_from_json(desired).map_err(|e| corrupt("desired", e))?,
            );
        }
        Ok(state)
    }

    /// Agents in the desired state in force.
    pub async fn desired_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, desired::desired_count())
    }

    /// One agent's desired state in force, as stored.
    pub async fn desired_for(
        &self,
        agent_key: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        dispatch!(self, desired::desired_for(agent_key))
    }

    /// Every name an accepted feed has mentioned: the default managed scope.
    pub async fn seen_names(&self) -> Result<SeenNames, StoreError> {
        let rows: Vec<(String, String)> = dispatch!(self, desired::seen_names())?;
        let mut seen = SeenNames::default();
        for (kind, name) in rows {
            match kind.as_str() {
                "skill" => seen.skills.insert(name),
                "language" => seen.languages.insert(name),
                _ => seen.certifications.insert(name),
            };
        }
        Ok(seen)
    }

    /// Agents of the newest accepted snapshot before `feed_id`.
    pub async fn previous_snapshot_agents(
        &self,
        feed_id: i64,
    ) -> Result<Option<usize>, StoreError> {
        let agents: Option<i32> = dispatch!(self, feeds::previous_snapshot_agents(feed_id))?;
        Ok(agents.map(|a| a.max(0) as usize))
    }

    /// Feeds, newest first, and how many there are.
    pub async fn feeds(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<FeedRecord>, i64), StoreError> {
        dispatch!(self, feeds::feeds(limit, offset))
    }

    /// One feed.
    pub async fn feed(&self, id: i64) -> Result<Option<FeedRecord>, StoreError> {
        dispatch!(self, feeds::feed(id))
    }

    /// The feeds a job was started for, oldest first: more than one when feeds arrived while
    /// their job was still queued and were coalesced into it, or when it adopted unchecked ones.
    /// The job's own `feed_id` counts even before the ingest has linked that feed to it.
    pub async fn feeds_of_job(&self, job: &JobRecord) -> Result<Vec<FeedRecord>, StoreError> {
        let mut feeds: Vec<FeedRecord> = dispatch!(self, feeds::feeds_of_job(job.id))?;
        if let Some(newest) = job.feed_id.filter(|id| !feeds.iter().any(|f| f.id == *id)) {
            feeds.extend(self.feed(newest).await?);
            feeds.sort_by_key(|f| f.id);
        }
        Ok(feeds)
    }

    /// Makes job `job_id` responsible for the accepted feeds whose own job failed before its plan
    /// was checked (say, the platform was unreachable), so that they still meet the safety
    /// checks and can be held; the job becomes a `feed` job. Returns how many it adopted.
    pub async fn adopt_unchecked_feeds(&self, job_id: i64) -> Result<u64, StoreError> {
        dispatch!(self, feeds::adopt_unchecked_feeds(job_id))
    }

    /// The newest accepted feed of each source, for feed-age metrics.
    pub async fn last_feed_per_source(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        dispatch!(self, feeds::last_feed_per_source())
    }

    /// Deletes history rows older than `before` that no longer make up the state in force.
    /// Nothing is deleted while a feed job is undecided (queued, running, held or approved) or
    /// a feed is held: holding or rejecting a feed rebuilds the state in force from the history
    /// before it, which must still be there.
    pub async fn prune_feed_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        dispatch!(self, desired::prune_feed_history(before))
    }
}
