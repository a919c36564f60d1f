//! Leader election between replicas on one PostgreSQL database: the replica holding a session
//! advisory lock (on a connection of its own) runs the worker, the scheduler and the
//! certification timer; the others serve the API and wait. The leader checks its lock connection
//! every couple of seconds and stops all work the moment it cannot, so that it has stopped
//! writing before the database lets another replica take the lock. On SQLite (one process by
//! design) the store grants leadership at once and for good.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::Context;
use crate::store::Leadership;

/// How often a leader proves it still holds the lock, and a follower tries to get it.
const CHECK_EVERY: Duration = Duration::from_secs(2);

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

/// Leads while the lock connection answers; then stops every leader task before returning
/// (dropping the connection releases the lock).
async fn hold(ctx: &Arc<Context>, mut leadership: Leadership, shutdown: &CancellationToken) {
    tracing::info!(owner = %ctx.owner, "elected leader");
    let leading = shutdown.child_token();
    let tasks = lead(ctx, &leading);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(CHECK_EVERY) => {}
        }
        let alive = tokio::time::timeout(CHECK_EVERY, leadership.still_held()).await;
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
