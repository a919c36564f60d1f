//! The Overview page's data for one org: drift totals, the jobs in flight (running ones with
//! their progress), held jobs with their reasons, certifications expiring soon, the newest feed,
//! and platform calls against the budget with this replica's charts. Read through the same
//! store queries as the JSON API and the metrics; never the platform.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::chart::{self, Chart, Series};
use super::expiring::Expiring;
use super::page::stamp;
use crate::http::error::ApiError;
use crate::http::views::{Feed, Job};
use crate::http::Api;
use crate::store::{DriftFilter, WorkStatus};

/// Statuses of jobs not yet finished, in the order the page lists them.
const IN_FLIGHT: [&str; 4] = ["running", "queued", "held", "waiting_window"];

/// How many jobs of one status the page lists.
const ROWS: i64 = 20;

/// Drift totals as `GET /v1/drift`'s `summary` shows them.
pub struct DriftCounts {
    /// Users observed.
    pub observed: i64,
    /// Users whose state differs from the desired one.
    pub drifted: i64,
    /// Users needing attention.
    pub needs_attention: i64,
    /// Users flagged stuck.
    pub stuck: i64,
    /// Users whose routine changes wait.
    pub deferred: i64,
}

/// A job not yet finished.
pub struct JobRow {
    /// Id.
    pub id: i64,
    /// Status.
    pub status: String,
    /// What started it.
    pub trigger: String,
    /// Created, RFC 3339.
    pub created_at: String,
    /// When a job waiting for a change window runs again, RFC 3339; empty otherwise.
    pub not_before: String,
    /// A running job's items: converged, and in all.
    pub progress: Option<(i64, i64)>,
}

/// A job held for approval, with why.
pub struct HeldRow {
    /// Id.
    pub id: i64,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Each reason the safety checks gave.
    pub reasons: Vec<String>,
}

/// The newest feed.
pub struct FeedRow {
    /// Id.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// `partial` or `snapshot`.
    pub scope: String,
    /// Where it stands.
    pub status: String,
    /// When it arrived, RFC 3339.
    pub received_at: String,
    /// Agents listed.
    pub agents: i32,
}

/// Platform calls of about the last minute against `platform.requests_per_minute`.
pub struct CallRate {
    /// Calls per minute.
    pub per_minute: u64,
    /// The budget.
    pub budget: u32,
    /// `per_minute` as a percentage of `budget`, rounded.
    pub percent: u64,
    /// The seconds measured over.
    pub over_secs: i64,
}

/// What this replica sampled of the org.
pub struct Activity {
    /// Calls against the budget.
    pub rate: CallRate,
    /// Calls per minute over the sampled hours.
    pub calls: Chart,
    /// Converged agents over the sampled hours.
    pub converged: Chart,
    /// When this replica started sampling, RFC 3339.
    pub since: String,
}

/// Everything the Overview shows of one org.
pub struct OrgOverview {
    /// The org's name.
    pub name: String,
    /// `genesys` or `cxone`.
    pub platform: String,
    /// The replica holding the org's lease; empty when no lease is in force.
    pub leader: String,
    /// Drift totals.
    pub drift: DriftCounts,
    /// The newest observation, RFC 3339; empty before the first scan.
    pub last_scan: String,
    /// Jobs not yet finished (at most [`ROWS`] of each status).
    pub jobs: Vec<JobRow>,
    /// Held jobs with their reasons.
    pub held: Vec<HeldRow>,
    /// Certification counts, narrowest window first.
    pub certifications: Arc<Expiring>,
    /// The newest feed; none before the first.
    pub newest_feed: Option<FeedRow>,
    /// Calls and converged agents as this replica saw them.
    pub activity: Activity,
}

/// Reasons as stored: a list of sentences, though anything else is shown rather than lost.
pub(super) fn reasons(value: Option<serde_json::Value>) -> Vec<String> {
    match value {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            })
            .collect(),
        Some(serde_json::Value::String(text)) => vec![text],
        Some(other) => vec![other.to_string()],
    }
}

/// Calls against the budget and the charts, from `api`'s metrics and history as of `now`.
fn activity(api: &Api, now: DateTime<Utc>) -> Activity {
    let history = &api.history;
    let rate = history.recent_rate(now, api.metrics.platform_calls());
    let budget = history.budget();
    let ring = history.snapshot();
    let calls = ring.call_rates();
    let converged = ring.converged();
    Activity {
        rate: CallRate {
            per_minute: rate.per_minute,
            budget,
            percent: (rate.per_minute as f64 * 100.0 / f64::from(budget.max(1))).round() as u64,
            over_secs: rate.over_secs,
        },
        calls: chart::render(&Series {
            title: "Platform calls per minute",
            points: &calls,
        }),
        converged: chart::render(&Series {
            title: "Converged agents",
            points: &converged,
        }),
        since: stamp(history.started()),
    }
}

/// Converged and all work items of job `id`, from the counts `GET /v1/jobs/{id}` shows.
async fn progress(api: &Api, id: i64) -> Result<(i64, i64), ApiError> {
    let counts = api.store.work_counts(id).await?;
    let converged = counts
        .iter()
        .filter(|(status, _)| status == WorkStatus::Converged.as_str())
        .map(|(_, n)| n)
        .sum();
    Ok((converged, counts.iter().map(|(_, n)| n).sum()))
}

/// What the Overview shows of `api`'s org, as of `now`; `leader` is the replica holding its
/// lease, read once for every org by the caller.
pub async fn org_overview(
    api: &Api,
    leader: Option<&str>,
    now: DateTime<Utc>,
) -> Result<OrgOverview, ApiError> {
    let filter = DriftFilter {
        name: None,
        state: None,
        limit: 1,
        offset: 0,
    };
    let summary = api.store.drift(&filter).await?.summary;

    let mut jobs = Vec::new();
    let mut held = Vec::new();
    for status in IN_FLIGHT {
        let (records, _) = api.store.jobs(Some(status), ROWS, 0).await?;
        for record in records {
            let view = Job::from(&record);
            if status == "held" {
                held.push(HeldRow {
                    id: view.id,
                    created_at: stamp(view.created_at),
                    reasons: reasons(record.held_reasons),
                });
            }
            let progress = match status {
                "running" => Some(progress(api, view.id).await?),
                _ => None,
            };
            jobs.push(JobRow {
                progress,
                id: view.id,
                status: view.status,
                trigger: view.trigger,
                created_at: stamp(view.created_at),
                not_before: view.not_before.map(stamp).unwrap_or_default(),
            });
        }
    }

    let (feeds, _) = api.store.feeds(1, 0).await?;
    let version = feeds.first().map(|f| (f.id, f.status.as_str().to_string()));
    let certifications = api.expiry_cache.get(api, version, now).await?;
    let newest_feed = feeds.first().map(Feed::from).map(|f| FeedRow {
        id: f.id,
        source: f.source,
        scope: f.scope,
        status: f.status,
        received_at: stamp(f.received_at),
        agents: f.agents,
    });

    Ok(OrgOverview {
        name: api.org.clone(),
        platform: api.platform.kind().to_string(),
        leader: leader.unwrap_or_default().to_string(),
        drift: DriftCounts {
            observed: summary.observed,
            drifted: summary.drifted,
            needs_attention: summary.needs_attention,
            stuck: summary.stuck,
            deferred: summary.deferred,
        },
        last_scan: summary.observed_at.map(stamp).unwrap_or_default(),
        jobs,
        held,
        certifications,
        newest_feed,
        activity: activity(api, now),
    })
}

#[cfg(test)]
mod tests {
    use super::reasons;
    use serde_json::json;

    #[test]
    fn reasons_are_read_from_a_list_and_nothing_stored_is_lost() {
        assert_eq!(reasons(Some(json!(["a", "b"]))), ["a", "b"]);
        assert_eq!(reasons(Some(json!("one"))), ["one"]);
        assert_eq!(reasons(Some(json!([{"x": 1}]))), [r#"{"x":1}"#]);
        assert!(reasons(None).is_empty());
        assert!(reasons(Some(json!(null))).is_empty());
    }
}
