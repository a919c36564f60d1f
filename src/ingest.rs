//! The one path every feed takes, POSTed or pulled: parse and validate off the async runtime,
//! store a rejection with every error or a new version of the desired state, and queue the job
//! that applies it. Must not fetch feeds (that is `feed::sources`) nor answer HTTP.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::domain::FeedScope;
use crate::feed::{read, FeedError, FeedFormat, FeedRules, FeedSource, Rejection};
use crate::metrics::{FeedLabels, Metrics};
use crate::signals::Signals;
use crate::store::{Accepted, FeedRecord, FeedStatus, NewFeed, Store, StoreError, Trigger};

/// What ingesting needs, shared by the API and the scheduler.
#[derive(Clone)]
pub struct Intake {
    /// Feed rules compiled from `[feed]`.
    pub rules: FeedRules,
    /// The database.
    pub store: Store,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Wake-ups of the worker and the certification timer.
    pub signals: Arc<Signals>,
}

/// One feed to ingest.
pub struct IngestRequest {
    /// The body.
    pub body: Bytes,
    /// Source name.
    pub source: String,
    /// `partial` or `snapshot`.
    pub scope: FeedScope,
    /// CSV or JSON.
    pub format: FeedFormat,
    /// `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
}

impl IngestRequest {
    /// How the body is read. One place, so that the fuzz target and the property tests read a
    /// body exactly as `ingest` does.
    pub fn feed_source(&self) -> FeedSource {
        FeedSource {
            name: self.source.clone(),
            format: self.format,
            scope: self.scope,
        }
    }
}

/// What happened to a feed.
#[derive(Debug, Clone)]
pub enum IngestOutcome {
    /// A new version; the job applying it.
    Accepted {
        /// The stored feed.
        feed: FeedRecord,
        /// The job queued (or coalesced into).
        job_id: i64,
    },
    /// Identical to the version in force; no job.
    Unchanged(FeedRecord),
    /// Seen before under the same `Idempotency-Key`.
    Replayed(FeedRecord),
    /// Invalid; stored with its errors; the desired state is unchanged.
    Rejected(FeedRecord),
}

/// Why a feed could not be judged or stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Parsing panicked or was cancelled.
    #[error("feed processing did not finish: {0}")]
    Worker(String),
    /// Reading the body failed (only for streamed sources).
    #[error("cannot read the feed: {0}")]
    Read(String),
    /// The Idempotency-Key was used before for another request.
    #[error(
        "this Idempotency-Key was used for another request (a different body, scope, source or \
         format, stored as feed {0}); use a new key for a new request"
    )]
    KeyReused(i64),
}

/// One row error as the API and the feeds table show it.
#[derive(Debug, Serialize)]
struct ErrorJson {
    location: String,
    field: Option<&'static str>,
    value: Option<String>,
    reason: String,
    message: String,
}

/// Longest string kept in a stored error or warning, in characters.
const MAX_STORED_TEXT: usize = 1_024;

/// `value` as the database can keep it. PostgreSQL's JSONB refuses a NUL (`\u0000`) in any
/// string, so a NUL a feed carried into an error's value or a warning's pointer would turn the
/// rejection into a 500; it is shown as U+2400 (␀) instead. Strings are cut at
/// `MAX_STORED_TEXT` characters, because some quote the feed itself (a header line, an unknown
/// key inside a pointer) and a request must not make the database keep megabytes of it.
fn storable(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(storable_text(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(storable).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (storable_text(&key), storable(value)))
                .collect(),
        ),
        other => other,
    }
}

fn storable_text(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_STORED_TEXT)
        .map(|c| if c == '\0' { '\u{2400}' } else { c })
        .collect();
    if text.chars().nth(MAX_STORED_TEXT).is_some() {
        out.push('…');
    }
    out
}

/// The row errors of a rejection as stored and answered (the `details` of a 422); public so that
/// tests can compare what `validate` and the ingest endpoint report.
pub fn errors_json(rejection: &Rejection) -> serde_json::Value {
    let items: Vec<ErrorJson> = rejection
        .errors
        .items()
        .iter()
        .map(|p| ErrorJson {
            location: p.location.to_string(),
            field: p.field,
            value: p.value.clone(),
            reason: p.kind.to_string(),
            message: p.to_string(),
        })
        .collect();
    storable(serde_json::json!({
        "errors": items,
        "not_shown": rejection.errors.omitted(),
        "total": rejection.errors.total(),
    }))
}

fn warnings_json<T: ToString>(items: &[T], omitted: u64) -> serde_json::Value {
    storable(serde_json::json!({
        "warnings": items.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "not_shown": omitted,
    }))
}

/// SHA-256 of what a request asks for: the same key must come with the same request.
fn request_digest(request: &IngestRequest) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for part in [
        request.scope.as_str(),
        request.source.as_str(),
        request.format.as_str(),
    ] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    digest.update(&request.body);
    hex::encode(digest.finalize())
}

/// Ingests one feed.
#[tracing::instrument(skip_all, fields(source = %request.source, scope = %request.scope, bytes = request.body.len()))]
pub async fn ingest(ctx: &Intake, request: IngestRequest) -> Result<IngestOutcome, IngestError> {
    let request_hash = request
        .idempotency_key
        .is_some()
        .then(|| request_digest(&request));
    let replay = |feed: FeedRecord| match (&feed.request_hash, &request_hash) {
        (Some(stored), Some(ours)) if stored != ours => Err(IngestError::KeyReused(feed.id)),
        _ => Ok(IngestOutcome::Replayed(feed)),
    };
    if let Some(key) = &request.idempotency_key {
        if let Some(feed) = ctx.store.feed_by_idempotency_key(key).await? {
            return replay(feed);
        }
    }
    let new = NewFeed {
        source: request.source.clone(),
        scope: request.scope,
        format: request.format,
        idempotency_key: request.idempotency_key.clone(),
        request_hash: request_hash.clone(),
    };
    let source = request.feed_source();
    // Skills being retired: any row assigning one rejects the feed (never silently re-created).
    let refused = ctx
        .store
        .retirements()
        .await?
        .into_iter()
        .map(|r| (r.skill.clone(), r.refusal()))
        .collect();
    let rules = ctx.rules.clone().refusing(refused);
    let body = request.body;
    // A million rows take about a second of CPU: off the async runtime.
    let parsed = tokio::task::spawn_blocking(move || read(body.as_ref(), &source, &rules))
        .await
        .map_err(|e| IngestError::Worker(e.to_string()))?;
    let count = |status: &str| {
        ctx.metrics
            .feeds
            .get_or_create(&FeedLabels {
                source: request.source.as_str().into(),
                status: status.into(),
            })
            .inc();
    };
    match parsed {
        Err(FeedError::Rejected(rejection)) => {
            let warnings = warnings_json(rejection.warnings.items(), rejection.warnings.omitted());
            let feed = ctx
                .store
                .record_rejected_feed(&new, errors_json(&rejection), warnings)
                .await?;
            if feed.status != FeedStatus::Rejected {
                // A request with the same Idempotency-Key stored its (valid) feed first.
                return replay(feed);
            }
            count("rejected");
            tracing::warn!(
                feed = feed.id,
                errors = rejection.errors.total(),
                "feed rejected"
            );
            Ok(IngestOutcome::Rejected(feed))
        }
        Err(FeedError::Io { error, .. }) => Err(IngestError::Read(error.to_string())),
        Ok(valid) => {
            let warnings = warnings_json(valid.warnings.items(), valid.warnings.omitted());
            let hash = valid.hash.to_string();
            match ctx
                .store
                .accept_feed(&new, &valid.state, &hash, warnings)
                .await?
            {
                Accepted::New(feed) => {
                    let job = ctx
                        .store
                        .enqueue_job(Trigger::Feed, Some(feed.id), None)
                        .await?;
                    ctx.store.set_feed_job(feed.id, job.id).await?;
                    ctx.signals.wake.notify_one();
                    ctx.signals.certifications_changed.notify_one();
                    count("accepted");
                    tracing::info!(
                        feed = feed.id,
                        job = job.id,
                        agents = feed.agents,
                        "feed accepted"
                    );
                    Ok(IngestOutcome::Accepted {
                        feed,
                        job_id: job.id,
                    })
                }
                Accepted::Unchanged(feed) => {
                    count("unchanged");
                    Ok(IngestOutcome::Unchanged(feed))
                }
                Accepted::Replayed(feed) => replay(feed),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{storable, MAX_STORED_TEXT};

    #[test]
    fn stored_errors_hold_no_nul_and_no_string_longer_than_the_limit() {
        let long = "h".repeat(MAX_STORED_TEXT + 5);
        let value = storable(serde_json::json!({
            "a\u{0}key": ["x\u{0}y", long, 3],
        }));
        let text = value.to_string();
        assert!(!text.contains("\\u0000"), "{text}");
        assert_eq!(value["a\u{2400}key"][0], "x\u{2400}y");
        let cut = value["a\u{2400}key"][1].as_str().unwrap_or_default();
        assert_eq!(cut.chars().count(), MAX_STORED_TEXT + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(value["a\u{2400}key"][2], 3);
    }
}
