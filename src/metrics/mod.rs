//! The daemon's Prometheus metrics: one registry, owned by the application and handed to the
//! parts that record into it; rendered by the metrics listener; and the refresher that keeps
//! the state gauges in step with the database. Must not decide anything from what it counts.

pub mod gauges;
mod label;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

pub use label::LabelValue;

use crate::platform::{CallKind, CallObserver};

/// Labels of platform request metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The call kind (`list_users`, `patch_skills`, …).
    pub endpoint: LabelValue,
    /// HTTP status, or `error` when no response came.
    pub status: LabelValue,
}

/// Labels by call kind only.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The call kind.
    pub endpoint: LabelValue,
}

/// Labels of applied changes.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChangeLabels {
    /// The write call (`patch_skills`, `delete_skill`, `patch_user`, …).
    pub kind: LabelValue,
    /// `ok` or `failed`.
    pub result: LabelValue,
}

/// Labels of jobs.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// `feed`, `schedule`, `manual`, `startup` or `certification`.
    pub trigger: LabelValue,
    /// `succeeded`, `failed`, `held`.
    pub result: LabelValue,
}

/// Labels by trigger only.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TriggerLabels {
    /// The trigger.
    pub trigger: LabelValue,
}

/// Labels by feed source.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// The source name.
    pub source: LabelValue,
}

/// Labels of the certification expiry gauges.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WithinLabels {
    /// The report window, e.g. `7d`.
    pub within: LabelValue,
}

/// Labels of ingested feeds.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedLabels {
    /// The source name.
    pub source: LabelValue,
    /// `accepted`, `unchanged` or `rejected`.
    pub status: LabelValue,
}

fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

fn job_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 14))
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every metric the daemon exports.
pub struct Metrics {
    registry: Registry,
    /// Agents in the desired state.
    pub desired_agents: Gauge,
    /// Platform users observed.
    pub observed_agents: Gauge,
    /// Users whose state differs from the desired one.
    pub drifted_agents: Gauge,
    /// Users marked `needs_attention`.
    pub agents_needing_attention: Gauge,
    /// Users flagged `stuck`.
    pub stuck_agents: Gauge,
    /// 1 while this replica is the leader (runs the worker and the scheduler), else 0.
    pub leader: Gauge,
    /// Jobs waiting for approval.
    pub held_jobs: Gauge,
    /// Platform requests by endpoint and status.
    pub platform_requests: Family<RequestLabels, Counter>,
    /// Platform request latency by endpoint.
    pub platform_latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    /// Seconds spent waiting for the rate limiter (and 429 pauses).
    pub rate_limiter_wait: Counter<f64, AtomicU64>,
    /// 429 responses.
    pub throttled: Counter,
    /// Retried platform requests (5xx, timeouts, 429s).
    pub retries: Counter,
    /// Writes made, by call and result.
    pub changes: Family<ChangeLabels, Counter>,
    /// Jobs finished, by trigger and result.
    pub jobs: Family<JobLabels, Counter>,
    /// Job duration by trigger.
    pub job_duration: Family<TriggerLabels, Histogram, fn() -> Histogram>,
    /// Seconds since each source's newest feed.
    pub feed_age: Family<SourceLabels, FloatGauge>,
    /// Feeds received, by source and status.
    pub feeds: Family<FeedLabels, Counter>,
    /// Scheduled pulls that failed or found a stale file, by source.
    pub source_errors: Family<SourceLabels, Counter>,
    /// Unix time of the last job that converged everyone.
    pub last_success: FloatGauge,
    /// Certifications in force that expire within each report window.
    pub certifications_expiring: Family<WithinLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("skillsync");
        let m = Self {
            desired_agents: Gauge::default(),
            observed_agents: Gauge::default(),
            drifted_agents: Gauge::default(),
            agents_needing_attention: Gauge::default(),
            stuck_agents: Gauge::default(),
            leader: Gauge::default(),
            held_jobs: Gauge::default(),
            platform_requests: Family::default(),
            platform_latency: Family::new_with_constructor(latency_buckets),
            rate_limiter_wait: Counter::default(),
            throttled: Counter::default(),
            retries: Counter::default(),
            changes: Family::default(),
            jobs: Family::default(),
            job_duration: Family::new_with_constructor(job_buckets),
            feed_age: Family::default(),
            feeds: Family::default(),
            source_errors: Family::default(),
            last_success: FloatGauge::default(),
            certifications_expiring: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "desired_agents",
            "Agents in the desired state in force",
            m.desired_agents.clone(),
        );
        registry.register(
            "observed_agents",
            "Platform users observed by the last scan",
            m.observed_agents.clone(),
        );
        registry.register(
            "drifted_agents",
            "Platform users whose state differs from the desired one",
            m.drifted_agents.clone(),
        );
        registry.register(
            "agents_needing_attention",
            "Agents that failed too often in a row",
            m.agents_needing_attention.clone(),
        );
        registry.register(
            "stuck_agents",
            "Agents that still differ after writing and verifying",
            m.stuck_agents.clone(),
        );
        registry.register(
            "leader",
            "1 while this replica is the leader (runs the worker and the scheduler)",
            m.leader.clone(),
        );
        registry.register(
            "held_jobs",
            "Jobs waiting for approval",
            m.held_jobs.clone(),
        );
        registry.register(
            "platform_requests",
            "Platform API requests by endpoint and status",
            m.platform_requests.clone(),
        );
        registry.register(
            "platform_request_duration_seconds",
            "Platform API request latency",
            m.platform_latency.clone(),
        );
        registry.register(
            "rate_limiter_wait_seconds",
            "Time spent waiting for the platform rate limiter",
            m.rate_limiter_wait.clone(),
        );
        registry.register(
            "platform_throttled",
            "429 responses from the platform",
            m.throttled.clone(),
        );
        registry.register(
            "platform_retries",
            "Platform requests retried",
            m.retries.clone(),
        );
        registry.register(
            "changes_applied",
            "Platform writes by call and result",
            m.changes.clone(),
        );
        registry.register(
            "jobs",
            "Jobs finished by trigger and result",
            m.jobs.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "Job duration by trigger",
            m.job_duration.clone(),
        );
        registry.register(
            "feed_age_seconds",
            "Seconds since the newest feed of each source",
            m.feed_age.clone(),
        );
        registry.register(
            "feeds",
            "Feeds received by source and status",
            m.feeds.clone(),
        );
        registry.register(
            "feed_source_errors",
            "Scheduled feed pulls that failed or found a stale file",
            m.source_errors.clone(),
        );
        registry.register(
            "last_successful_reconcile_timestamp_seconds",
            "Unix time of the last job that converged every agent",
            m.last_success.clone(),
        );
        registry.register(
            "certifications_expiring",
            "Certifications in force that expire within the window",
            m.certifications_expiring.clone(),
        );
        Self { registry, ..m }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    /// Counts a finished job.
    pub fn job_finished(&self, trigger: &str, result: &str, took: Duration) {
        self.jobs
            .get_or_create(&JobLabels {
                trigger: trigger.into(),
                result: result.into(),
            })
            .inc();
        self.job_duration
            .get_or_create(&TriggerLabels {
                trigger: trigger.into(),
            })
            .observe(took.as_secs_f64());
    }
}

impl CallObserver for Metrics {
    fn response(&self, kind: CallKind, status: Option<u16>, latency: Duration) {
        let status_text = status.map_or_else(|| "error".to_string(), |s| s.to_string());
        self.platform_requests
            .get_or_create(&RequestLabels {
                endpoint: kind.label().into(),
                status: status_text.into(),
            })
            .inc();
        self.platform_latency
            .get_or_create(&EndpointLabels {
                endpoint: kind.label().into(),
            })
            .observe(latency.as_secs_f64());
        if status == Some(429) {
            self.throttled.inc();
        }
    }

    fn retried(&self) {
        self.retries.inc();
    }

    fn waited(&self, wait: Duration) {
        self.rate_limiter_wait.inc_by(wait.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_metrics_carry_the_prefix_units_and_labels() {
        let m = Metrics::new();
        m.response(
            CallKind::write("patch_skills"),
            Some(429),
            Duration::from_millis(20),
        );
        m.drifted_agents.set(3);
        m.job_finished("feed", "succeeded", Duration::from_secs(2));
        let text = m.render();
        assert!(
            text.contains(
                "skillsync_platform_requests_total{endpoint=\"patch_skills\",status=\"429\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("skillsync_platform_throttled_total 1"),
            "{text}"
        );
        assert!(text.contains("skillsync_drifted_agents 3"), "{text}");
        assert!(
            text.contains("skillsync_jobs_total{trigger=\"feed\",result=\"succeeded\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("skillsync_platform_request_duration_seconds_bucket"),
            "{text}"
        );
    }
}
