//! Leader election between replicas on one PostgreSQL database: the replica holding a session
//! advisory lock (on a connection of its own) runs the worker, the scheduler and the
//! certification timer; the others serve the API and wait. The leader keeps its lock connection
//! busy in a query and stops all work the moment that connection fails (or stays silent too
//! long); a replica that takes the lock waits a moment before it starts, so that a leader whose
//! connection the database cut has stopped first. On SQLite (one process by design) the store
//! grants leadership at once and for good.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::Context;
use crate::store::Leadership;

/// How often a follower tries to take the lock, and how long one watch of a leader's lock lasts
/// (a lock connection silent for twice that is given up).
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// How long a new leader waits before it starts, for a previous leader whose lock connection
/// was cut to stop.
const HANDOVER: Duration = Duration::from_millis(500);

/// Starts the leader's tasks; they stop when `leading` is cancelled.
fn lead(ctx: &Arc<Context>, leading: &CancellationToken) -> TaskTracker {
    let tasks = TaskTracker::new();
    tasks.spawn(crate::reconciler::worker::run(
        ctx.reconciler.clone(),
        leading.clone(),
    ));
    tasks.spawn(crate::scheduler::run(
        ctx.scheduler.clone(),
        leading.clone(),
    ));
    tasks.spawn(crate::scheduler::certifications::run_timer(
        ctx.scheduler.clone(),
        leading.clone(),
    ));
    tasks.close();
    ctx.metrics.leader.set(1);
    tasks
}

/// Takes part in the election until `shutdown`; while leader, runs the leader's tasks.
pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        match ctx.store.take_leadership(&ctx.owner).await {
            Ok(Some(leadership)) => hold(&ctx, leadership, &shutdown).await,
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(error = %e, "cannot take part in the leader election right now")
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tokio::time::sleep(CHECK_EVERY) => {}
        }
    }
}

/// Leads while the lock is held; then stops every leader task before returning (dropping the
/// connection releases the lock).
async fn hold(ctx: &Arc<Context>, mut leadership: Leadership, shutdown: &CancellationToken) {
    if !leadership.is_sole() {
        // The lock may have been freed by the previous leader's connection being cut. That
        // leader notices within moments (its lock connection is always inside a query), but
        // not in the very instant the database frees the lock: let it stop first.
        tokio::select! {
            _ = shutdown.cancelled() => {
                leadership.release().await;
                return;
            }
            _ = tokio::time::sleep(HANDOVER) => {}
        }
    }
    tracing::info!(owner = %ctx.owner, "elected leader");
    let leading = shutdown.child_token();
    let tasks = lead(ctx, &leading);
    loop {
        let alive = tokio::select! {
            _ = shutdown.cancelled() => break,
            alive = tokio::time::timeout(2 * CHECK_EVERY, leadership.held_for(CHECK_EVERY)) => alive,
        };
        if !matches!(alive, Ok(true)) {
            tracing::warn!(owner = %ctx.owner, "lost the leader lock connection; stopping all work");
            break;
        }
    }
    leading.cancel();
    ctx.metrics.leader.set(0);
    tasks.wait().await;
    leadership.release().await;
}
