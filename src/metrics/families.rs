//! The metric families and the registry they are exported from: created once per process and
//! shared by every org's handle, so that each family is exported once with all orgs' series.

use std::hash::Hash;
use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::labels::{
    ChangeLabels, EndpointLabels, FeedLabels, JobLabels, NoLabels, Org, OwnerLabels, RequestLabels,
    SourceLabels, TriggerLabels, WithinLabels,
};
use super::LabelValue;

pub(super) type FloatGauge = Gauge<f64, AtomicU64>;
pub(super) type FloatCounter = Counter<f64, AtomicU64>;
type Buckets = fn() -> Histogram;

fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

fn job_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 14))
}

/// One org's view of a labelled family: call sites pass their own labels, the org is added.
#[derive(Clone, Debug)]
pub struct OrgFamily<L, M, C = fn() -> M> {
    family: Family<Org<L>, M, C>,
    org: LabelValue,
}

impl<L, M, C> OrgFamily<L, M, C>
where
    L: Clone + Hash + Eq,
    M: Clone,
    C: MetricConstructor<M> + Clone,
{
    pub(super) fn new(family: &Family<Org<L>, M, C>, org: &LabelValue) -> Self {
        Self {
            family: family.clone(),
            org: org.clone(),
        }
    }

    fn key(&self, labels: &L) -> Org<L> {
        Org {
            org: self.org.clone(),
            labels: labels.clone(),
        }
    }

    /// The org's series with `labels`, created on first use; a clone shares its value.
    pub fn get_or_create(&self, labels: &L) -> M {
        self.family.get_or_create(&self.key(labels)).clone()
    }

    /// Drops the org's series with `labels` from the exposition; true when it was there.
    pub fn remove(&self, labels: &L) -> bool {
        self.family.remove(&self.key(labels))
    }
}

/// The org's only series of an unlabelled family.
pub(super) fn series<M: Clone, C: MetricConstructor<M>>(
    family: &Family<Org<NoLabels>, M, C>,
    org: &LabelValue,
) -> M {
    family
        .get_or_create(&Org {
            org: org.clone(),
            labels: NoLabels,
        })
        .clone()
}

/// Every family the daemon exports, registered once.
#[derive(Debug)]
pub(super) struct Families {
    pub registry: Registry,
    pub desired_agents: Family<Org<NoLabels>, Gauge>,
    pub observed_agents: Family<Org<NoLabels>, Gauge>,
    pub drifted_agents: Family<Org<NoLabels>, Gauge>,
    pub agents_needing_attention: Family<Org<NoLabels>, Gauge>,
    pub stuck_agents: Family<Org<NoLabels>, Gauge>,
    pub deferred_agents: Family<Org<NoLabels>, Gauge>,
    pub window_jobs: Family<Org<NoLabels>, Gauge>,
    pub deferrals_overridden: Family<Org<NoLabels>, Counter>,
    pub leader: Family<Org<NoLabels>, Gauge>,
    pub org_leases: Family<Org<OwnerLabels>, Gauge>,
    pub held_jobs: Family<Org<NoLabels>, Gauge>,
    pub platform_requests: Family<Org<RequestLabels>, Counter>,
    pub platform_latency: Family<Org<EndpointLabels>, Histogram, Buckets>,
    pub rate_limiter_wait: Family<Org<NoLabels>, FloatCounter>,
    pub throttled: Family<Org<NoLabels>, Counter>,
    pub retries: Family<Org<NoLabels>, Counter>,
    pub changes: Family<Org<ChangeLabels>, Counter>,
    pub jobs: Family<Org<JobLabels>, Counter>,
    pub job_duration: Family<Org<TriggerLabels>, Histogram, Buckets>,
    pub feed_age: Family<Org<SourceLabels>, FloatGauge>,
    pub feeds: Family<Org<FeedLabels>, Counter>,
    pub source_errors: Family<Org<SourceLabels>, Counter>,
    pub last_success: Family<Org<NoLabels>, FloatGauge>,
    pub certifications_expiring: Family<Org<WithinLabels>, Gauge>,
}

impl Families {
    /// A fresh registry with every family registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("skillsync");
        let f = Self {
            registry: Registry::default(),
            desired_agents: Family::default(),
            observed_agents: Family::default(),
            drifted_agents: Family::default(),
            agents_needing_attention: Family::default(),
            stuck_agents: Family::default(),
            deferred_agents: Family::default(),
            window_jobs: Family::default(),
            deferrals_overridden: Family::default(),
            leader: Family::default(),
            org_leases: Family::default(),
            held_jobs: Family::default(),
            platform_requests: Family::default(),
            platform_latency: Family::new_with_constructor(latency_buckets),
            rate_limiter_wait: Family::default(),
            throttled: Family::default(),
            retries: Family::default(),
            changes: Family::default(),
            jobs: Family::default(),
            job_duration: Family::new_with_constructor(job_buckets),
            feed_age: Family::default(),
            feeds: Family::default(),
            source_errors: Family::default(),
            last_success: Family::default(),
            certifications_expiring: Family::default(),
        };
        let r = &mut registry;
        r.register(
            "desired_agents",
            "Agents in the desired state in force",
            f.desired_agents.clone(),
        );
        r.register(
            "observed_agents",
            "Platform users observed by the last scan",
            f.observed_agents.clone(),
        );
        r.register(
            "drifted_agents",
            "Platform users whose state differs from the desired one",
            f.drifted_agents.clone(),
        );
        r.register(
            "agents_needing_attention",
            "Agents that failed too often in a row",
            f.agents_needing_attention.clone(),
        );
        r.register(
            "stuck_agents",
            "Agents that still differ after writing and verifying",
            f.stuck_agents.clone(),
        );
        r.register(
            "deferred_agents",
            "Agents whose routine changes wait (busy, or outside the change windows); not a failure",
            f.deferred_agents.clone(),
        );
        r.register(
            "jobs_waiting_window",
            "Routine jobs planned outside the change windows, waiting for the next to open",
            f.window_jobs.clone(),
        );
        r.register(
            "deferrals_overridden",
            "Busy agents written because their routine changes had waited policy.max_defer_secs",
            f.deferrals_overridden.clone(),
        );
        r.register(
            "leader",
            "1 while this replica works the org (runs its worker and scheduler)",
            f.leader.clone(),
        );
        r.register(
            "org_leases",
            "1 while owner holds the org's lease",
            f.org_leases.clone(),
        );
        r.register(
            "held_jobs",
            "Jobs waiting for approval",
            f.held_jobs.clone(),
        );
        r.register(
            "platform_requests",
            "Platform API requests by endpoint and status",
            f.platform_requests.clone(),
        );
        r.register(
            "platform_request_duration_seconds",
            "Platform API request latency",
            f.platform_latency.clone(),
        );
        r.register(
            "rate_limiter_wait_seconds",
            "Time spent waiting for the platform rate limiter",
            f.rate_limiter_wait.clone(),
        );
        r.register(
            "platform_throttled",
            "429 responses from the platform",
            f.throttled.clone(),
        );
        r.register(
            "platform_retries",
            "Platform requests retried",
            f.retries.clone(),
        );
        r.register(
            "changes_applied",
            "Platform writes by call and result",
            f.changes.clone(),
        );
        r.register(
            "jobs",
            "Jobs finished by trigger and result",
            f.jobs.clone(),
        );
        r.register(
            "job_duration_seconds",
            "Job duration by trigger",
            f.job_duration.clone(),
        );
        r.register(
            "feed_age_seconds",
            "Seconds since the newest feed of each source",
            f.feed_age.clone(),
        );
        r.register(
            "feeds",
            "Feeds received by source and status",
            f.feeds.clone(),
        );
        r.register(
            "feed_source_errors",
            "Scheduled feed pulls that failed or found a stale file",
            f.source_errors.clone(),
        );
        r.register(
            "last_successful_reconcile_timestamp_seconds",
            "Unix time of the last job that converged every agent",
            f.last_success.clone(),
        );
        r.register(
            "certifications_expiring",
            "Certifications in force that expire within the window",
            f.certifications_expiring.clone(),
        );
        Self { registry, ..f }
    }
}
