//! A feed as `GET /v1/feeds[/{id}]` shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::FeedRecord;

/// A received feed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Feed {
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

impl From<&FeedRecord> for Feed {
    fn from(r: &FeedRecord) -> Self {
        // `to_string` rather than `clone`: the store's status-like fields may become enums that
        // display as the same lowercase words.
        Self {
            id: r.id,
            source: r.source.clone(),
            received_at: r.received_at,
            scope: r.scope.to_string(),
            format: r.format.to_string(),
            status: r.status.to_string(),
            hash: r.hash.clone(),
            agents: r.agents,
            skills: r.skills,
            languages: r.languages,
            certifications: r.certifications,
            errors: r.errors.clone(),
            warnings: r.warnings.clone(),
            job_id: r.job_id,
        }
    }
}
