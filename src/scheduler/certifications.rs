//! Certifications on time: a timer that sleeps until the next instant a certification starts or
//! stops being in force and then queues a run (instead of waiting for a schedule), and the daily
//! sweep that reports what expires soon and sends the warnings that fell due.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::Scheduler;
use crate::certs::{expiring, next_transition, transition_passed, warnings_due};
use crate::domain::DesiredState;
use crate::metrics::WithinLabels;
use crate::notify::CertificationEvent;
use crate::store::StoreError;

/// Longest sleep without re-reading the desired state (a safety net for missed wake-ups).
const RECHECK: Duration = Duration::from_secs(3600);
/// Where the end of the last warning sweep is kept.
const WARNINGS_SENT_UNTIL: &str = "certification_warnings_sent_until";
/// Up to when certification transitions have been turned into runs.
const TRANSITIONS_CHECKED_UNTIL: &str = "certification_transitions_checked_until";

/// Updates the expiry gauges from `state`.
pub fn report_gauges(ctx: &Scheduler, state: &DesiredState, now: DateTime<Utc>) {
    let enforcement = &ctx.settings.certifications;
    for days in &enforcement.report_days {
        let within = Duration::from_secs(u64::from(*days) * 86_400);
        let count = expiring(state, now, within, enforcement.margin()).len();
        ctx.metrics
            .certifications_expiring
            .get_or_create(&WithinLabels {
                within: format!("{days}d").into(),
            })
            .set(count as i64);
    }
}

/// Sleeps until the next certification transition, then queues a run; re-reads the desired
/// state whenever a feed changes it.
///
/// Every round asks whether a transition fell between the previous round and now, rather than
/// whether the one it slept for has come: a wake-up by a feed, a slow read or a change of leader
/// can then not make it skip one. The watermark is kept in the database, so that a leader taking
/// over also runs for the transitions its predecessor did not live to see.
pub async fn run_timer(ctx: Arc<Scheduler>, shutdown: CancellationToken) {
    let kind = ctx.settings.agent_key;
    let margin = ctx.settings.certifications.margin();
    let mut checked = match ctx.store.state_value(TRANSITIONS_CHECKED_UNTIL).await {
        Ok(value) => value.and_then(|v| serde_json::from_value::<DateTime<Utc>>(v).ok()),
        Err(_) => None,
    }
    .unwrap_or_else(Utc::now);
    loop {
        let next = match ctx.store.current_desired(kind).await {
            Ok(state) => {
                let now = Utc::now();
                report_gauges(&ctx, &state, now);
                // A run that could not be queued is tried again next round: the mark stays.
                if !transition_passed(&state, checked, now, margin)
                    || queue_run(&ctx, checked).await
                {
                    checked = now;
                    let mark = serde_json::to_value(checked).unwrap_or_default();
                    let _ = ctx
                        .store
                        .set_state_value(TRANSITIONS_CHECKED_UNTIL, mark)
                        .await;
                }
                next_transition(&state, now, margin)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the desired state for certification timing");
                Some(Utc::now() + chrono::Duration::seconds(5))
            }
        };
        let wait = next
            .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
            .unwrap_or(RECHECK)
            .min(RECHECK);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ctx.signals.certifications_changed.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Queues an urgent certification run for the transitions after `since`; false when the
/// database refused (the next round tries again).
async fn queue_run(ctx: &Scheduler, since: DateTime<Utc>) -> bool {
    match ctx.store.enqueue_certification_job(since).await {
        Ok(job) => {
            ctx.signals.job_queued(job.urgent);
            tracing::info!(
                job = job.id,
                "a certification started or stopped being in force; run queued"
            );
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot queue the certification run");
            false
        }
    }
}

/// The daily sweep: expiry gauges, every warning that fell due since the last sweep (once), and
/// pruning desired-state history past `reconcile.feed_retention_days`.
pub async fn sweep(ctx: &Scheduler) -> Result<usize, StoreError> {
    let now = Utc::now();
    let state = ctx.store.current_desired(ctx.settings.agent_key).await?;
    report_gauges(ctx, &state, now);
    let from = ctx
        .store
        .state_value(WARNINGS_SENT_UNTIL)
        .await?
        .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v).ok())
        .unwrap_or(now);
    let due = warnings_due(&state, from, now, &ctx.settings.warning_days);
    for warning in &due {
        ctx.notifier
            .notify(CertificationEvent::expiring_soon(warning));
    }
    ctx.store
        .set_state_value(
            WARNINGS_SENT_UNTIL,
            serde_json::to_value(now).unwrap_or_default(),
        )
        .await?;
    let retention = chrono::Duration::days(i64::from(ctx.settings.reconcile.feed_retention_days));
    let pruned = ctx.store.prune_feed_history(now - retention).await?;
    if pruned > 0 {
        tracing::info!(rows = pruned, "pruned superseded desired-state history");
    }
    Ok(due.len())
}
