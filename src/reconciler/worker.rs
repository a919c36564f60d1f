//! The reconciler worker: claims the next job under a lease, plans it (or resumes a job a dead
//! worker left), works its items, and finishes it. Two lanes, each one job at a time: routine
//! jobs in order, and urgent ones (certification instants, one-agent runs) beside them, so that
//! they never wait for a long feed job; both share the platform connector and so its budget. The
//! lease is renewed while the job runs and given back at shutdown.

mod certification;
mod deferral;
mod incremental;
mod items;
mod planning;
mod write;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::Reconciler;
use crate::domain::{AgentDesired, AgentKey, DesiredState};
use crate::planner::{Policy, PolicyError};
use crate::platform::Platform;
use crate::store::{JobRecord, JobStatus, Lane, StoreError, Trigger};

/// A job's place in its lane, given back by taking the permit out.
type Slot = Arc<parking_lot::Mutex<Option<OwnedSemaphorePermit>>>;

/// How one run of a job ended.
enum Outcome {
    /// Every item reached a final state.
    Finished(JobStatus),
    /// Tripped a safety threshold.
    Held,
    /// Planned outside the change windows: waits for the next to open, then plans again.
    WaitingWindow(chrono::DateTime<Utc>),
    /// Shutdown, or the lease was lost: the job stays running for the next owner.
    Interrupted,
}

/// Why a job could not run.
#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the platform: {0}")]
    Platform(#[from] crate::platform::PlatformError),
    #[error("invalid ownership configuration: {0}")]
    Ownership(#[from] crate::planner::OwnershipError),
    #[error("invalid certification gate: {0}")]
    Gate(#[from] crate::planner::GateError),
}

impl From<PolicyError> for JobError {
    // Each keeps its own message prefix, as before there was one constructor for both.
    fn from(e: PolicyError) -> Self {
        match e {
            PolicyError::Ownership(e) => Self::Ownership(e),
            PolicyError::Gate(e) => Self::Gate(e),
        }
    }
}

/// Everything a job needs while it runs.
struct JobRun<'a> {
    ctx: &'a Reconciler,
    job: &'a JobRecord,
    desired: DesiredState,
    policy: Policy,
    cancel: CancellationToken,
    /// The lane's slot while the job writes; an urgent job gives it back when only
    /// verifications remain (see [`URGENT_AT_ONCE`]).
    slot: Slot,
}

impl JobRun<'_> {
    /// A work item's agent key, parsed as the feed keys were (a stored key that no longer
    /// parses names no agent of the desired state).
    fn key_of(&self, item: &crate::store::WorkItem) -> Option<AgentKey> {
        let kind = self.ctx.settings.planner.agent_key;
        item.agent_key
            .as_deref()
            .and_then(|k| AgentKey::parse(kind, k).ok())
    }

    /// The policy with certification windows evaluated now rather than when the job started: an
    /// urgent job may have granted or revoked a certification since, and a write or a verify
    /// that judged the window at the job's start would undo it.
    fn current_policy(&self) -> Policy {
        Policy {
            now: Utc::now(),
            ..self.policy.clone()
        }
    }

    /// The desired state of the agent with `key`: empty when a snapshot does not list it.
    fn want(&self, key: Option<&AgentKey>) -> Option<AgentDesired> {
        let listed = key.and_then(|k| self.desired.agents.get(k).cloned());
        match listed {
            Some(want) => Some(want),
            None if self.desired.scope == crate::domain::FeedScope::Snapshot => {
                Some(AgentDesired::default())
            }
            None => None,
        }
    }
}

/// Runs jobs of both lanes until `shutdown`.
pub async fn run(ctx: Arc<Reconciler>, shutdown: CancellationToken) {
    tokio::join!(
        run_lane(&ctx, Lane::Routine, &shutdown),
        run_lane(&ctx, Lane::Urgent, &shutdown),
        deferral::run_rechecks(&ctx, &shutdown),
        super::retirement::run(&ctx, &shutdown),
    );
}

/// Urgent jobs one worker writes at once: enough that certification instants never queue
/// behind each other, few enough that they cannot crowd the budget out. A job that only waits to
/// verify its writes (a settle time, 60 s on Genesys Cloud) gives its slot back.
const URGENT_AT_ONCE: usize = 4;

/// Runs the jobs of `lane` until `shutdown`: routine ones one at a time, urgent ones side by side
/// (up to [`URGENT_AT_ONCE`] writing at once).
async fn run_lane(ctx: &Reconciler, lane: Lane, shutdown: &CancellationToken) {
    let lease = ctx.settings.reconcile.lease_secs;
    let wake = match lane {
        Lane::Routine => &ctx.signals.wake,
        Lane::Urgent => &ctx.signals.wake_urgent,
    };
    let slots = Arc::new(Semaphore::new(if lane.concurrent() {
        URGENT_AT_ONCE
    } else {
        1
    }));
    let mut running = futures::stream::FuturesUnordered::new();
    while !shutdown.is_cancelled() {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            _ = running.next(), if !running.is_empty() => continue,
            _ = shutdown.cancelled() => break,
        };
        let Ok(slot) = slot else { break };
        let pause = match ctx.store.claim_job(&ctx.owner, lease, lane).await {
            Ok(Some(job)) => {
                running.push(run_job(ctx, job, slot, shutdown));
                continue;
            }
            Ok(None) => Duration::from_secs(1),
            Err(e) => {
                tracing::warn!(lane = lane.as_str(), error = %e, "cannot claim a job; retrying");
                Duration::from_secs(2)
            }
        };
        drop(slot);
        // Nothing to claim: wait for a wake-up, a running job's end, or the pause.
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = wake.notified() => {}
            _ = running.next(), if !running.is_empty() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
    // Shutdown: the jobs in flight finish their batch or release themselves.
    while running.next().await.is_some() {}
}

#[tracing::instrument(skip_all, fields(job = job.id, trigger = %job.trigger, urgent = job.urgent))]
async fn run_job(
    ctx: &Reconciler,
    job: JobRecord,
    slot: OwnedSemaphorePermit,
    shutdown: &CancellationToken,
) {
    let started = Instant::now();
    // Held here until the job's end is recorded (the lane must not claim the job again while it
    // still shows as running); an urgent job may give it back sooner (see `items.rs`).
    let slot = Arc::new(parking_lot::Mutex::new(Some(slot)));
    let cancel = shutdown.child_token();
    let renewal = renew_lease(ctx, job.id, cancel.clone());
    let outcome = tokio::select! {
        outcome = execute(ctx, &job, slot.clone(), cancel.clone()) => outcome,
        () = renewal => Ok(Outcome::Interrupted),
    };
    cancel.cancel();
    let trigger = job.trigger.as_str();
    match outcome {
        Ok(Outcome::Finished(status)) => {
            let counts = ctx.store.work_counts(job.id).await.unwrap_or_default();
            let counts: serde_json::Map<String, serde_json::Value> =
                counts.into_iter().map(|(k, v)| (k, v.into())).collect();
            if let Err(e) = ctx
                .store
                .finish_job(job.id, status, counts.into(), None)
                .await
            {
                tracing::warn!(error = %e, "cannot record the job's end; it will be resumed");
                return;
            }
            if status == JobStatus::Succeeded {
                ctx.metrics.last_success.set(Utc::now().timestamp() as f64);
            }
            ctx.metrics
                .job_finished(trigger, status.as_str(), started.elapsed());
            tracing::info!(
                status = status.as_str(),
                seconds = started.elapsed().as_secs_f64(),
                "job finished"
            );
        }
        Ok(Outcome::Held) => {
            ctx.metrics.job_finished(trigger, "held", started.elapsed());
            tracing::warn!("job held for approval");
        }
        Ok(Outcome::WaitingWindow(opens)) => {
            if let Err(e) = ctx.store.wait_for_window(job.id, opens, None).await {
                tracing::warn!(error = %e, "cannot record the wait for the window; it will be resumed");
                return;
            }
            ctx.metrics
                .job_finished(trigger, "waiting_window", started.elapsed());
            tracing::info!(opens = %opens, "routine changes wait for the change window");
        }
        Ok(Outcome::Interrupted) => {
            let _ = ctx.store.release_work_items(job.id, &ctx.owner).await;
            let _ = ctx.store.release_job(job.id, &ctx.owner).await;
            tracing::info!("job interrupted; released for the next owner");
        }
        Err(JobError::Store(e)) => {
            // The database is away: leave the job leased; it is resumed when the lease runs out.
            tracing::warn!(error = %e, "job interrupted by a database error");
        }
        Err(e) => {
            let _ = ctx
                .store
                .finish_job(
                    job.id,
                    JobStatus::Failed,
                    serde_json::json!({}),
                    Some(&e.to_string()),
                )
                .await;
            ctx.metrics
                .job_finished(trigger, "failed", started.elapsed());
            tracing::warn!(error = %e, "job failed");
        }
    }
    // Agent states, held jobs and the last success changed with the job.
    ctx.signals.gauges_stale.notify_one();
}

/// Renews the job's lease until `cancel`; returns when the lease is lost.
async fn renew_lease(ctx: &Reconciler, job_id: i64, cancel: CancellationToken) {
    let lease = ctx.settings.reconcile.lease_secs;
    let every = Duration::try_from_secs_f64(lease / 3.0).unwrap_or(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return std::future::pending().await,
            _ = tokio::time::sleep(every) => {}
        }
        match ctx.store.renew_job_lease(job_id, &ctx.owner, lease).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = job_id, "lost the job's lease; stopping work on it");
                return;
            }
            // A short database outage: keep working; the next renewal may succeed before expiry.
            Err(e) => tracing::warn!(job = job_id, error = %e, "cannot renew the job's lease"),
        }
    }
}

async fn execute(
    ctx: &Reconciler,
    job: &JobRecord,
    slot: Slot,
    cancel: CancellationToken,
) -> Result<Outcome, JobError> {
    let settings = &ctx.settings;
    if job.approved() && job.trigger == Trigger::Feed {
        // The approval puts the held feeds back in force, but it may have been given between
        // the job's hold and its feeds' (or the API may not have finished releasing them): the
        // job must plan with them, so it releases them itself first.
        for feed in ctx.store.feeds_of_job(job).await? {
            ctx.store.release_feed(feed.id).await?;
        }
    }
    ctx.platform.refresh_definitions().await;
    let desired = ctx
        .store
        .current_desired(settings.planner.agent_key)
        .await?;
    let seen = ctx.store.seen_names().await?;
    ctx.metrics.desired_agents.set(desired.agents.len() as i64);
    let now = Utc::now();
    let mut policy = Policy::build(&settings.planner, ctx.platform.granularity(), &seen, now)?;
    policy.retiring = super::retirement::retiring_skills(&ctx.store, now).await?;
    let run = JobRun {
        ctx,
        job,
        desired,
        policy,
        cancel,
        slot,
    };
    let observed = if ctx.store.has_open_work_items(job.id).await? {
        Default::default()
    } else {
        // Items all final: the job waited for a change window since, and plans afresh.
        ctx.store.clear_work_items(job.id).await?;
        match planning::plan(&run).await? {
            planning::Planned::Held => return Ok(Outcome::Held),
            planning::Planned::WaitingWindow(opens) => return Ok(Outcome::WaitingWindow(opens)),
            planning::Planned::Nothing => return Ok(Outcome::Finished(JobStatus::Succeeded)),
            planning::Planned::Items(observed) => observed,
        }
    };
    items::work(&run, observed).await
}
