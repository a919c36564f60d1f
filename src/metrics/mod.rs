//! The daemon's Prometheus metrics: one registry per process, every series labelled with the
//! org it belongs to; a [`Metrics`] handle per org, owned by the application and handed to the
//! parts that record into it; rendered by the metrics listener; and the refresher that keeps
//! the state gauges in step with the database. Must not decide anything from what it counts.

mod families;
pub mod gauges;
mod label;
mod labels;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

pub use families::OrgFamily;
pub use label::LabelValue;
pub use labels::{
    ChangeLabels, EndpointLabels, FeedLabels, JobLabels, Org, OwnerLabels, RequestLabels,
    SourceLabels, TriggerLabels, WithinLabels,
};

use crate::platform::{CallKind, CallObserver};
use families::{series, Families, FloatCounter, FloatGauge};

use crate::domain::DEFAULT_ORG;

type Buckets = fn() -> Histogram;

/// One org's handle on the process's metrics: what is recorded here carries `org="<org>"`.
pub struct Metrics {
    families: Arc<Families>,
    org: LabelValue,
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
    /// Users whose routine changes wait.
    pub deferred_agents: Gauge,
    /// Jobs waiting for a change window.
    pub window_jobs: Gauge,
    /// Busy agents written after `policy.max_defer_secs`.
    pub deferrals_overridden: Counter,
    /// 1 while this replica works the org (runs its worker and scheduler), else 0.
    pub leader: Gauge,
    /// Jobs waiting for approval.
    pub held_jobs: Gauge,
    /// Platform requests by endpoint and status.
    pub platform_requests: OrgFamily<RequestLabels, Counter>,
    /// Platform request latency by endpoint.
    pub platform_latency: OrgFamily<EndpointLabels, Histogram, Buckets>,
    /// Seconds spent waiting for the rate limiter (and 429 pauses).
    pub rate_limiter_wait: FloatCounter,
    /// 429 responses.
    pub throttled: Counter,
    /// Retried platform requests (5xx, timeouts, 429s).
    pub retries: Counter,
    /// Writes made, by call and result.
    pub changes: OrgFamily<ChangeLabels, Counter>,
    /// Jobs finished, by trigger and result.
    pub jobs: OrgFamily<JobLabels, Counter>,
    /// Job duration by trigger.
    pub job_duration: OrgFamily<TriggerLabels, Histogram, Buckets>,
    /// Seconds since each source's newest feed.
    pub feed_age: OrgFamily<SourceLabels, FloatGauge>,
    /// Feeds received, by source and status.
    pub feeds: OrgFamily<FeedLabels, Counter>,
    /// Scheduled pulls that failed or found a stale file, by source.
    pub source_errors: OrgFamily<SourceLabels, Counter>,
    /// Unix time of the last job that converged everyone.
    pub last_success: FloatGauge,
    /// Certifications in force that expire within each report window.
    pub certifications_expiring: OrgFamily<WithinLabels, Gauge>,
    leases: OrgFamily<OwnerLabels, Gauge>,
    /// Platform requests of every endpoint and status, summed: not exported (the family is),
    /// kept because the family cannot be summed without rendering it.
    calls: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry, and the handle of org [`DEFAULT_ORG`] on it.
    pub fn new() -> Self {
        Self::scoped(Arc::new(Families::new()), DEFAULT_ORG)
    }

    /// The handle of `org` on the same registry: rendering any handle shows every org.
    pub fn for_org(&self, org: &str) -> Arc<Metrics> {
        Arc::new(Self::scoped(self.families.clone(), org))
    }

    // Unlabelled series are created here, so that an org's gauges and counters show (as 0)
    // from its handle's creation, as they did before orgs.
    fn scoped(families: Arc<Families>, org: &str) -> Self {
        let org = LabelValue::from(org);
        let f = &families;
        Self {
            desired_agents: series(&f.desired_agents, &org),
            observed_agents: series(&f.observed_agents, &org),
            drifted_agents: series(&f.drifted_agents, &org),
            agents_needing_attention: series(&f.agents_needing_attention, &org),
            stuck_agents: series(&f.stuck_agents, &org),
            deferred_agents: series(&f.deferred_agents, &org),
            window_jobs: series(&f.window_jobs, &org),
            deferrals_overridden: series(&f.deferrals_overridden, &org),
            leader: series(&f.leader, &org),
            held_jobs: series(&f.held_jobs, &org),
            platform_requests: OrgFamily::new(&f.platform_requests, &org),
            platform_latency: OrgFamily::new(&f.platform_latency, &org),
            rate_limiter_wait: series(&f.rate_limiter_wait, &org),
            throttled: series(&f.throttled, &org),
            retries: series(&f.retries, &org),
            changes: OrgFamily::new(&f.changes, &org),
            jobs: OrgFamily::new(&f.jobs, &org),
            job_duration: OrgFamily::new(&f.job_duration, &org),
            feed_age: OrgFamily::new(&f.feed_age, &org),
            feeds: OrgFamily::new(&f.feeds, &org),
            source_errors: OrgFamily::new(&f.source_errors, &org),
            last_success: series(&f.last_success, &org),
            certifications_expiring: OrgFamily::new(&f.certifications_expiring, &org),
            leases: OrgFamily::new(&f.org_leases, &org),
            calls: Counter::default(),
            org,
            families,
        }
    }

    /// The org this handle records for.
    pub fn org(&self) -> &str {
        self.org.as_str()
    }

    /// Platform requests this handle has counted since it was made, whatever their endpoint
    /// or status: the sum of its `platform_requests` series.
    pub fn platform_calls(&self) -> u64 {
        self.calls.get()
    }

    /// The Prometheus text exposition, of every org.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.families.registry).is_err() {
            out.clear();
        }
        out
    }

    /// Records whether `owner` holds this org's lease. A released lease drops its series, so
    /// that only current holders show.
    pub fn set_lease(&self, owner: &str, held: bool) {
        let labels = OwnerLabels {
            owner: owner.into(),
        };
        if held {
            self.leases.get_or_create(&labels).set(1);
        } else {
            self.leases.remove(&labels);
        }
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
        self.calls.inc();
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
