//! The composition root of `skillsync serve`: database, migrations, connector, metrics, the
//! worker, the scheduler and the two listeners; one cancellation token and one task tracker, so
//! that shutdown finishes or releases what is in flight within the grace period.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::Context;
use super::leases;
use super::org::{OrgRuntime, Shared};
use crate::config::Settings;
use crate::feed::FeedConfigError;
use crate::http;
use crate::metrics::Metrics;
use crate::planner::PolicyError;
use crate::platform::PlatformError;
use crate::scheduler;
use crate::store::{Store, StoreError};

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The database is unreachable or migrations failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The `[feed]` configuration is invalid.
    #[error(transparent)]
    Feed(#[from] FeedConfigError),
    /// The `[platform]` configuration is invalid.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// A cron expression or zone is invalid.
    #[error(transparent)]
    Schedule(#[from] scheduler::ScheduleError),
    /// An `[ownership.*]` glob or a certification gate is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// `[policy]`'s deferral keys (checked at load too; built here per org).
    #[error(transparent)]
    Deferral(#[from] crate::planner::DeferralError),
    /// The `[webhook]` configuration is invalid.
    #[error(transparent)]
    Webhook(#[from] crate::notify::WebhookSettingsError),
    /// A `[server]` setting is unusable.
    #[error("{0}")]
    Server(String),
    /// A listen address is taken or invalid.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A built, not yet running daemon.
pub struct Application {
    ctx: Arc<Context>,
    /// Every org's API state, by name.
    routes: http::Orgs,
    api: TcpListener,
    metrics: TcpListener,
    notifier_stop: CancellationToken,
}

async fn bind(addr: &str) -> Result<TcpListener, AppError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| AppError::Bind {
            addr: addr.to_string(),
            source,
        })
}

/// Connects and migrates, retrying for a while: in a container the database often starts
/// alongside the daemon.
async fn migrated_store(settings: &Settings) -> Result<Store, AppError> {
    let url = settings.database.url.expose();
    let store = Store::connect_lazy(url, settings.database.max_connections)?;
    let mut attempt = 0;
    loop {
        let ready = async {
            store.create_database_if_missing(url).await?;
            store.migrate().await
        };
        match ready.await {
            Ok(()) => return Ok(store),
            // Unreachable, starting up, or refusing connections: wait; a failing migration is
            // a real error and ends the start at once.
            Err(e) if e.is_unavailable() && attempt < 30 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

impl Application {
    /// Connects, migrates, builds every configured org's rooms and binds both listeners (port 0
    /// picks free ports). A bad org configuration stops the start before anything runs.
    pub async fn build(settings: Settings) -> Result<Self, AppError> {
        settings.server.check().map_err(AppError::Server)?;
        if settings.server.read_tokens.is_empty() {
            tracing::warn!(
                listen = %settings.server.listen,
                "no server.read_tokens: every GET /v1/… (the audit log included) is open to \
                 whoever reaches the API port"
            );
        }
        let store = migrated_store(&settings).await?;
        let metrics = Metrics::new();
        let owner = format!(
            "{}-{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "skillsync".into()),
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let notifier_stop = CancellationToken::new();
        let shared = Shared {
            store: &store,
            metrics: &metrics,
            owner: &owner,
            notifier_stop: &notifier_stop,
        };
        let orgs = settings
            .per_org()
            .into_iter()
            .map(|(name, org)| OrgRuntime::build(name, org, &shared).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let routes = http::Orgs::new(orgs.iter().map(|org| org.api.clone()).collect())
            .map_err(|e| AppError::Server(e.to_string()))?;
        let api = bind(&settings.server.listen).await?;
        let metrics_listener = bind(&settings.server.metrics_listen).await?;
        let ctx = Arc::new(Context {
            settings,
            store,
            owner,
            orgs,
        });
        Ok(Self {
            ctx,
            routes,
            api,
            metrics: metrics_listener,
            notifier_stop,
        })
    }

    /// The API's port.
    pub fn port(&self) -> u16 {
        self.api.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The metrics listener's port.
    pub fn metrics_port(&self) -> u16 {
        self.metrics.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The shared context (tests inspect the store through it).
    pub fn context(&self) -> Arc<Context> {
        self.ctx.clone()
    }

    /// Runs until `shutdown`, then stops claiming work, lets in-flight work finish or releases
    /// it, and returns within the configured grace period.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let ctx = self.ctx;
        let tracker = TaskTracker::new();
        for org in &ctx.orgs {
            org.queue_startup().await;
            org.spawn_gauges(&tracker, &shutdown);
        }
        // Each org's worker, scheduler and certification timer run on the replica holding its
        // lease.
        tracker.spawn(leases::run(ctx.clone(), shutdown.clone()));
        let limits = http::ConnectionLimits::from_settings(&ctx.settings.server);
        tracker.spawn(http::serve(
            self.api,
            http::router_for_orgs(self.routes),
            limits,
            shutdown.clone(),
        ));
        tracker.spawn(http::serve(
            self.metrics,
            http::metrics_router(ctx.primary().api.clone()),
            limits,
            shutdown.clone(),
        ));
        tracker.close();
        tracing::info!(owner = %ctx.owner, "skillsync serve running");
        shutdown.cancelled().await;
        let grace = Duration::from_secs(ctx.settings.server.grace_period_secs);
        tracing::info!(
            seconds = grace.as_secs(),
            "shutting down: finishing in-flight work"
        );
        let finished = async {
            tracker.wait().await;
            // Writes are done: now give queued webhook events their last attempt.
            self.notifier_stop.cancel();
            for org in &ctx.orgs {
                org.notifier.stopped().await;
            }
        };
        if tokio::time::timeout(grace, finished).await.is_err() {
            tracing::warn!(
                "grace period over; leaving unfinished work to the next start (leases expire)"
            );
        }
        ctx.store.close().await;
        Ok(())
    }
}
