//! Leader election between replicas on one PostgreSQL database: the replica holding a session
//! advisory lock (on a connection of its own) runs the worker, the scheduler and the
//! certification timer; the others serve the API and wait. The leader checks its lock connection
//! every couple of seconds and stops all work the moment it cannot, so that it has stopped
//! writing before the database lets another replica take the lock. On SQLite (one process by
//! design) the process is always the leader.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::Context;
use super::{certifications, scheduler, worker};

/// The advisory lock key of "the leader of this database".
const LEADER_LOCK: i64 = 7_261_000;
/// How often a leader proves it still holds the lock, and a follower tries to get it.
const CHECK_EVERY: Duration = Duration::from_secs(2);

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Starts the leader's tasks; they stop when `leading` is cancelled.
fn lead(ctx: &Arc<Context>, leading: &CancellationToken) -> TaskTracker {
    let tasks = TaskTracker::new();
    tasks.spawn(worker::run(ctx.clone(), leading.clone()));
    tasks.spawn(scheduler::run(ctx.clone(), leading.clone()));
    tasks.spawn(certifications::run_timer(ctx.clone(), leading.clone()));
    tasks.close();
    ctx.metrics.leader.set(1);
    tasks
}

/// Takes part in the election until `shutdown`; while leader, runs the leader's tasks.
pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
    let url = ctx.settings.database.url.expose().to_string();
    if !is_postgres(&url) {
        let tasks = lead(&ctx, &shutdown);
        tasks.wait().await;
        return;
    }
    while !shutdown.is_cancelled() {
        match acquire(&url, &ctx.owner).await {
            Ok(Some(connection)) => hold(&ctx, connection, &shutdown).await,
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

/// A connection holding the lock, or `None` when another replica leads.
async fn acquire(url: &str, owner: &str) -> Result<Option<PgConnection>, sqlx::Error> {
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let mut connection =
        PgConnection::connect_with(&options.application_name(&format!("skillsync-leader {owner}")))
            .await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LEADER_LOCK)
        .fetch_one(&mut connection)
        .await?;
    Ok(got.then_some(connection))
}

/// Leads while the lock connection answers; then stops every leader task before returning
/// (dropping the connection releases the lock).
async fn hold(ctx: &Arc<Context>, mut connection: PgConnection, shutdown: &CancellationToken) {
    tracing::info!(owner = %ctx.owner, "elected leader");
    let leading = shutdown.child_token();
    let tasks = lead(ctx, &leading);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(CHECK_EVERY) => {}
        }
        let alive = tokio::time::timeout(
            CHECK_EVERY,
            sqlx::query("SELECT 1").execute(&mut connection),
        )
        .await;
        if !matches!(alive, Ok(Ok(_))) {
            tracing::warn!(owner = %ctx.owner, "lost the leader lock connection; stopping all work");
            break;
        }
    }
    leading.cancel();
    ctx.metrics.leader.set(0);
    tasks.wait().await;
    let _ = connection.close().await;
}
