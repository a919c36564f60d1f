//! A feed as `GET /v1/feeds[/{id}]` and the ingest answers show it.

use chrono::{DateTime, Utc};

use crate::store::FeedRecord;

view! {
    /// A received feed.
    Feed from FeedRecord {
        /// Id.
        id: i64 = copy,
        /// Source name.
        source: String = clone,
        /// When it arrived.
        received_at: DateTime<Utc> = copy,
        /// `partial` or `snapshot`.
        scope: String = shown,
        /// `csv` or `json`.
        format: String = shown,
        /// `accepted`, `rejected`, `unchanged` or `withdrawn`.
        status: String = shown,
        /// Content hash of the normalized state.
        hash: Option<String> = clone,
        /// Agents listed.
        agents: i32 = copy,
        /// Skill assignments.
        skills: i32 = copy,
        /// Language assignments.
        languages: i32 = copy,
        /// Certifications.
        certifications: i32 = copy,
        /// Every row error of a rejected feed.
        errors: Option<serde_json::Value> = clone,
        /// Warnings.
        warnings: Option<serde_json::Value> = clone,
        /// The job it started.
        job_id: Option<i64> = copy,
    }
}
