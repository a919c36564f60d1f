//! The composition root of `skillsync serve`: database, migrations, connector, metrics, the
//! worker, the scheduler and the two listeners; one cancellation token and one task tracker, so
//! that shutdown finishes or releases what is in flight within the grace period.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::Context;
use super::leader;
use crate::config::Settings;
use crate::feed::{FeedConfigError, FeedRules};
use crate::http::{self, Api};
use crate::ingest::Intake;
use crate::metrics::gauges::{self, Gauges};
use crate::metrics::Metrics;
use crate::planner::{Policy, PolicyError};
use crate::platform::scales;
use crate::platform::Connector;
use crate::platform::PlatformError;
use crate::reconciler::{Reconciler, ReconcilerSettings};
use crate::scheduler::{self, ScheduleSettings, Scheduler};
use crate::signals::Signals;
use crate::store::{Store, StoreError, Trigger};

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration cannot run as this daemon (several orgs, for now).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
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
    /// Connects, migrates and binds both listeners (port 0 picks free ports). Runs the single
    /// configured org; several are refused before anything is touched, rather than all but one
    /// silently ignored.
    pub async fn build(settings: Settings) -> Result<Self, AppError> {
        let settings = settings.into_single_org()?;
        settings.server.check().map_err(AppError::Server)?;
        if settings.server.read_tokens.is_empty() {
            tracing::warn!(
                listen = %settings.server.listen,
                "no server.read_tokens: every GET /v1/… (the audit log included) is open to \
                 whoever reaches the API port"
            );
        }
        let store = migrated_store(&settings).await?;
        // The platform's scales: the feeds' default input scale, and the gates' range.
        let granularity = scales::granularity_or_genesys(&settings.platform.kind);
        let rules = FeedRules::from_settings(&settings.feed, &granularity)?;
        // Checked here once, or every job would fail on them: the names that feeds will add to
        // the managed scope cannot make either invalid.
        let planner = settings.planner();
        Policy::build(&planner, granularity, &Default::default(), Utc::now())?;
        let metrics = Arc::new(Metrics::new());
        let platform =
            Arc::new(Connector::from_settings(&settings.platform)?.with_observer(metrics.clone()));
        let owner = format!(
            "{}-{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "skillsync".into()),
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let notifier_stop = CancellationToken::new();
        let log = Arc::new(store.delivery_log());
        let notifier =
            crate::notify::Notifier::spawn(&settings.webhook, log, notifier_stop.clone())?;
        let api = bind(&settings.server.listen).await?;
        let metrics_listener = bind(&settings.server.metrics_listen).await?;
        let signals = Arc::new(Signals::default());
        let intake = Intake {
            rules,
            store: store.clone(),
            metrics: metrics.clone(),
            signals: signals.clone(),
        };
        let reconciler = Arc::new(Reconciler {
            settings: ReconcilerSettings {
                reconcile: settings.reconcile.clone(),
                planner,
                safety: settings.safety,
                max_concurrency: settings.platform.max_concurrency,
            },
            store: store.clone(),
            platform: platform.clone(),
            metrics: metrics.clone(),
            owner: owner.clone(),
            notifier: notifier.clone(),
            signals: signals.clone(),
        });
        let schedule = Arc::new(Scheduler {
            settings: ScheduleSettings {
                reconcile: settings.reconcile.clone(),
                certifications: settings.certifications.clone(),
                sources: settings.sources.clone(),
                body_limit: settings.server.body_limit_mb.saturating_mul(1024 * 1024),
                agent_key: settings.feed.agent_key,
                warning_days: settings.webhook.warning_days.clone(),
            },
            store: store.clone(),
            metrics: metrics.clone(),
            notifier: notifier.clone(),
            signals: signals.clone(),
            intake: intake.clone(),
        });
        scheduler::validate(&schedule)?;
        let api_state = Arc::new(Api {
            org: settings.single_org()?.name,
            ingest_slots: Arc::new(tokio::sync::Semaphore::new(
                settings.server.max_concurrent_ingests,
            )),
            server: settings.server.clone(),
            agent_key: settings.feed.agent_key,
            certifications: settings.certifications.clone(),
            store: store.clone(),
            platform,
            metrics: metrics.clone(),
            signals: signals.clone(),
            intake,
        });
        let ctx = Arc::new(Context {
            settings,
            store,
            metrics,
            owner,
            signals,
            notifier,
            reconciler,
            scheduler: schedule,
            api: api_state,
        });
        Ok(Self {
            ctx,
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
        match ctx.store.enqueue_job(Trigger::Startup, None, None).await {
            Ok(job) => tracing::info!(job = job.id, "start-up reconcile queued"),
            Err(e) => tracing::warn!(error = %e, "cannot queue the start-up reconcile"),
        }
        // Worker, scheduler and certification timer run on the elected leader only.
        tracker.spawn(leader::run(ctx.clone(), shutdown.clone()));
        let gauges = Arc::new(Gauges {
            store: ctx.store.clone(),
            metrics: ctx.metrics.clone(),
            signals: ctx.signals.clone(),
            lease_secs: ctx.settings.reconcile.lease_secs,
            sources: ctx
                .settings
                .sources
                .iter()
                .map(|s| s.name.clone())
                .collect(),
        });
        tracker.spawn(gauges::run(
            gauges,
            Duration::from_secs(15),
            shutdown.clone(),
        ));
        let limits = http::ConnectionLimits::from_settings(&ctx.settings.server);
        tracker.spawn(http::serve(
            self.api,
            http::router(ctx.api.clone()),
            limits,
            shutdown.clone(),
        ));
        tracker.spawn(http::serve(
            self.metrics,
            http::metrics_router(ctx.api.clone()),
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
            ctx.notifier.stopped().await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn several_orgs_stop_the_daemon_at_start_up() {
        let env = config::Environment::with_prefix(crate::config::ENV_PREFIX)
            .source(Some(Default::default()));
        let settings = Settings::load_from_toml("[orgs.acme]\n[orgs.beta]", env).expect("loads");
        let err = Application::build(settings).await.err().expect("refused");
        assert!(
            matches!(
                err,
                AppError::Config(crate::config::ConfigError::SeveralOrgs(_))
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("not supported yet"), "{err}");
    }
}
