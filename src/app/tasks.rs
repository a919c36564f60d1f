//! The leader's three tasks, as the election loop starts them: each hands its room the state
//! the composition root built for it. Must not add behaviour.

/// The reconciler worker.
pub mod worker {
    use std::sync::Arc;

    use tokio_util::sync::CancellationToken;

    use crate::app::Context;

    /// Runs jobs until `shutdown`.
    pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
        crate::reconciler::worker::run(ctx.reconciler.clone(), shutdown).await
    }
}

/// Cron entries: scans, sweeps, source pulls.
pub mod scheduler {
    use std::sync::Arc;

    use tokio_util::sync::CancellationToken;

    use crate::app::Context;

    /// Fires entries until `shutdown`.
    pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
        crate::scheduler::run(ctx.scheduler.clone(), shutdown).await
    }
}

/// The certification timer.
pub mod certifications {
    use std::sync::Arc;

    use tokio_util::sync::CancellationToken;

    use crate::app::Context;

    /// Queues runs at certification transitions until `shutdown`.
    pub async fn run_timer(ctx: Arc<Context>, shutdown: CancellationToken) {
        crate::scheduler::certifications::run_timer(ctx.scheduler.clone(), shutdown).await
    }
}
