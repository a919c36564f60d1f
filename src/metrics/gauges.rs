//! Keeps the state gauges (desired, drift, attention, stuck, deferred, held and waiting jobs, feed age, last success)
//! in step with the database, so that every replica reports the same numbers; and marks audit
//! intents whose worker died as `unknown`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{Metrics, SourceLabels};
use crate::signals::Signals;
use crate::store::{DriftFilter, Store, StoreError};

/// What the gauge refresher reads from, built by the composition root.
pub struct Gauges {
    /// The database.
    pub store: Store,
    /// Where the gauges are.
    pub metrics: Arc<Metrics>,
    /// `gauges_stale` asks for a refresh now.
    pub signals: Arc<Signals>,
    /// `reconcile.lease_secs`: audit intents older than two leases belong to no live worker.
    pub lease_secs: f64,
    /// The configured `[[sources]]` names, aged from the start until they deliver.
    pub sources: Vec<String>,
}

async fn refresh(ctx: &Gauges, started: DateTime<Utc>) -> Result<(), StoreError> {
    let m = &ctx.metrics;
    // Intents older than two leases belong to no live worker: their process died mid-write.
    let settled = ctx.store.settle_pending_audit(ctx.lease_secs * 2.0).await?;
    if settled > 0 {
        tracing::warn!(
            writes = settled,
            "writes in flight when a worker died are marked unknown in the audit log"
        );
    }
    m.desired_agents.set(ctx.store.desired_count().await?);
    let drift = ctx
        .store
        .drift(&DriftFilter {
            limit: 0,
            ..DriftFilter::default()
        })
        .await?;
    m.observed_agents.set(drift.summary.observed);
    m.drifted_agents.set(drift.summary.drifted);
    m.agents_needing_attention
        .set(drift.summary.needs_attention);
    m.stuck_agents.set(drift.summary.stuck);
    m.deferred_agents.set(drift.summary.deferred);
    let jobs = ctx.store.job_counts().await?;
    let count = |status: &str| {
        jobs.iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    };
    m.held_jobs.set(count("held"));
    m.window_jobs.set(count("waiting_window"));
    let delivered = ctx.store.last_feed_per_source().await?;
    let age = |at: DateTime<Utc>| (Utc::now() - at).num_milliseconds() as f64 / 1000.0;
    for source in &ctx.sources {
        // A configured source that never delivered ages from the daemon's start, so that a
        // stale-feed alert fires for it too.
        if !delivered.iter().any(|(name, _)| name == source) {
            m.feed_age
                .get_or_create(&SourceLabels {
                    source: source.as_str().into(),
                })
                .set(age(started));
        }
    }
    for (source, at) in delivered {
        m.feed_age
            .get_or_create(&SourceLabels {
                source: source.into(),
            })
            .set(age(at));
    }
    if let Some(at) = ctx.store.last_success().await? {
        m.last_success.set(at.timestamp() as f64);
    }
    Ok(())
}

/// Refreshes the gauges every `every` until `shutdown`.
pub async fn run(ctx: Arc<Gauges>, every: Duration, shutdown: CancellationToken) {
    let started = Utc::now();
    loop {
        if let Err(e) = refresh(&ctx, started).await {
            tracing::debug!(error = %e, "cannot refresh gauges");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ctx.signals.gauges_stale.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}
