//! Keeps the state gauges (drift, attention, held jobs, feed age, last success) in step with the
//! database, so that every replica reports the same numbers.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::context::Context;
use super::metrics::SourceLabels;
use crate::store::{DriftFilter, StoreError};

async fn refresh(ctx: &Context) -> Result<(), StoreError> {
    let m = &ctx.metrics;
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
    let held = ctx
        .store
        .job_counts()
        .await?
        .into_iter()
        .find(|(s, _)| s == "held")
        .map_or(0, |(_, n)| n);
    m.held_jobs.set(held);
    for (source, at) in ctx.store.last_feed_per_source().await? {
        let age = (Utc::now() - at).num_milliseconds() as f64 / 1000.0;
        m.feed_age.get_or_create(&SourceLabels { source }).set(age);
    }
    if let Some(at) = ctx.store.last_success().await? {
        m.last_success.set(at.timestamp() as f64);
    }
    Ok(())
}

/// Refreshes the gauges every `every` until `shutdown`.
pub async fn run(ctx: Arc<Context>, every: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(e) = refresh(&ctx).await {
            tracing::debug!(error = %e, "cannot refresh gauges");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
