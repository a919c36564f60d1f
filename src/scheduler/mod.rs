//! The scheduler: cron entries for the full drift scan, the optional incremental one, and each
//! feed source, evaluated in the configured zone. It sleeps until the next tick or shutdown; a pulled feed takes exactly the
//! path of a POSTed one. Fetching a source is `feed::sources`; the scheduler must not parse
//! feeds nor run jobs itself.

pub mod certifications;
mod context;

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use cron::Schedule;
use tokio_util::sync::CancellationToken;

pub use context::{ScheduleSettings, Scheduler};

use crate::feed::sources::{check_source, fetch, SourceSettings};
use crate::ingest::{ingest, IngestOutcome, IngestRequest};
use crate::metrics::SourceLabels;
use crate::store::Trigger;

/// What an entry does when it fires.
enum Task {
    Scan(Trigger),
    Sweep,
    Pull(Box<SourceSettings>),
}

struct Entry {
    schedule: Schedule,
    task: Task,
}

/// A configuration error in a cron expression or zone.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(String);

fn entries(ctx: &Scheduler) -> Result<(Vec<Entry>, Tz), ScheduleError> {
    let reconcile = &ctx.settings.reconcile;
    let zone = Tz::from_str(&reconcile.time_zone).map_err(|_| {
        ScheduleError(format!(
            "reconcile.time_zone {:?} is not an IANA zone",
            reconcile.time_zone
        ))
    })?;
    let parse = |what: &str, expr: &str| {
        Schedule::from_str(expr)
            .map_err(|e| ScheduleError(format!("{what}: {expr:?} is not a cron expression: {e}")))
    };
    let mut list = vec![
        Entry {
            schedule: parse("reconcile.scan_cron", &reconcile.scan_cron)?,
            task: Task::Scan(Trigger::Schedule),
        },
        Entry {
            schedule: parse(
                "certifications.sweep_cron",
                &ctx.settings.certifications.sweep_cron,
            )?,
            task: Task::Sweep,
        },
    ];
    if let Some(expr) = reconcile.incremental_scan_cron() {
        list.push(Entry {
            schedule: parse("reconcile.incremental_scan_cron", expr)?,
            task: Task::Scan(Trigger::IncrementalScan),
        });
    }
    for source in &ctx.settings.sources {
        check_source(source)
            .map_err(|e| ScheduleError(format!("source {:?}: {e}", source.name)))?;
        list.push(Entry {
            schedule: parse(&format!("source {:?}", source.name), &source.cron)?,
            task: Task::Pull(Box::new(source.clone())),
        });
    }
    Ok((list, zone))
}

/// Checks the schedule configuration without running it.
pub fn validate(ctx: &Scheduler) -> Result<(), ScheduleError> {
    entries(ctx).map(|_| ())
}

/// Fires entries until `shutdown`.
pub async fn run(ctx: Arc<Scheduler>, shutdown: CancellationToken) {
    let (entries, zone) = match entries(&ctx) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "scheduler disabled");
            return;
        }
    };
    let mut after = Utc::now().with_timezone(&zone);
    loop {
        let next: Option<(DateTime<Tz>, Vec<&Entry>)> = entries
            .iter()
            .filter_map(|e| e.schedule.after(&after).next().map(|t| (t, e)))
            .fold(None, |acc, (t, e)| match acc {
                None => Some((t, vec![e])),
                Some((best, mut due)) if t == best => {
                    due.push(e);
                    Some((best, due))
                }
                Some((best, due)) if best < t => Some((best, due)),
                Some(_) => Some((t, vec![e])),
            });
        let Some((at, due)) = next else {
            return;
        };
        let wait = (at.with_timezone(&Utc) - Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        for entry in due {
            match &entry.task {
                Task::Scan(trigger) => scan(&ctx, *trigger).await,
                Task::Sweep => match certifications::sweep(&ctx).await {
                    Ok(warnings) => tracing::info!(warnings, "certification sweep done"),
                    Err(e) => tracing::warn!(error = %e, "certification sweep failed"),
                },
                // A slow download must not delay the scans and the other sources.
                Task::Pull(source) => {
                    let (ctx, source) = (ctx.clone(), source.clone());
                    tokio::spawn(async move { pull(&ctx, &source).await });
                }
            }
        }
        after = at;
    }
}

/// Queues a full (`Schedule`) or incremental drift scan; when both are due at once the queue
/// merges them into the full one.
async fn scan(ctx: &Scheduler, trigger: Trigger) {
    match ctx.store.enqueue_job(trigger, None, None).await {
        Ok(job) => {
            ctx.signals.wake.notify_one();
            tracing::info!(job = job.id, trigger = %trigger, "drift scan queued");
        }
        Err(e) => tracing::warn!(error = %e, trigger = %trigger, "cannot queue the drift scan"),
    }
}

#[tracing::instrument(skip_all, fields(source = %source.name))]
async fn pull(ctx: &Scheduler, source: &SourceSettings) {
    let outcome = match fetch(source, ctx.settings.body_limit).await {
        Ok((body, format)) => ingest(
            &ctx.intake,
            IngestRequest {
                body,
                source: source.name.as_str().into(),
                scope: source.scope,
                format,
                idempotency_key: None,
            },
        )
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(IngestOutcome::Rejected(feed)) => {
            failed(
                ctx,
                source,
                &format!(
                    "feed {} from source {:?} was rejected; see GET /v1/feeds/{}",
                    feed.id, source.name, feed.id
                ),
            )
            .await
        }
        Ok(_) => tracing::info!("source pulled"),
        Err(e) => failed(ctx, source, &format!("source {:?}: {e}", source.name)).await,
    }
}

async fn failed(ctx: &Scheduler, source: &SourceSettings, error: &str) {
    tracing::warn!(error, "feed source failed; the desired state is unchanged");
    ctx.metrics
        .source_errors
        .get_or_create(&SourceLabels {
            source: source.name.as_str().into(),
        })
        .inc();
    if let Err(e) = ctx.store.record_failed_job(Trigger::Schedule, error).await {
        tracing::warn!(error = %e, "cannot record the source failure");
    }
}
