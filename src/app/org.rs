//! One org's rooms: its store (scoped to the org), platform connector, metrics, wake-ups,
//! webhook, worker, scheduler and API state. Orgs share only the database pool, the metrics
//! registry and the listeners, so that one org's feed, hold or outage never touches another's.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::application::AppError;
use crate::config::Settings;
use crate::feed::FeedRules;
use crate::http::console_history::{self, History, Sampler};
use crate::http::{Api, SkillsContext};
use crate::ingest::Intake;
use crate::metrics::gauges::{self, Gauges};
use crate::metrics::Metrics;
use crate::notify::NotifierHandle;
use crate::planner::{DeferralRules, Policy};
use crate::platform::scales;
use crate::platform::Connector;
use crate::platform::Platform;
use crate::reconciler::{Reconciler, ReconcilerSettings};
use crate::scheduler::{self, ScheduleSettings, Scheduler};
use crate::signals::Signals;
use crate::store::{Store, Trigger};

/// What the process shares between its orgs.
pub(super) struct Shared<'a> {
    /// The database, not yet scoped.
    pub store: &'a Store,
    /// The metrics registry (each org records under its own `org` label).
    pub metrics: &'a Metrics,
    /// This process's lease owner id.
    pub owner: &'a str,
    /// Stops the webhook senders once every org's writes are done.
    pub notifier_stop: &'a CancellationToken,
}

/// One org, ready to be worked.
pub struct OrgRuntime {
    /// The org's name (`default` without `[orgs]`).
    pub name: String,
    /// The org's effective settings (its `[orgs.NAME]` over the top level).
    pub settings: Settings,
    /// The database, scoped to the org.
    pub store: Store,
    /// The org's metrics handle.
    pub metrics: Arc<Metrics>,
    /// The org's wake-ups.
    pub signals: Arc<Signals>,
    /// The org's certification webhook.
    pub notifier: NotifierHandle,
    /// The org's worker state.
    pub reconciler: Arc<Reconciler>,
    /// The org's scheduler and certification timer state.
    pub scheduler: Arc<Scheduler>,
    /// The org's API state.
    pub api: Arc<Api>,
}

impl OrgRuntime {
    /// Checks the org's configuration and builds its rooms; nothing runs yet.
    pub(super) fn build(
        name: String,
        settings: Settings,
        shared: &Shared<'_>,
    ) -> Result<Self, AppError> {
        let store = shared.store.for_org(&name);
        let granularity = scales::granularity_or_genesys(&settings.platform.kind);
        let rules = FeedRules::from_settings(&settings.feed, &granularity)?;
        // Checked here once, or every job would fail on them: the names that feeds will add to
        // the managed scope cannot make either invalid.
        let planner = settings.planner();
        let certification_rules =
            Policy::build(&planner, granularity, &Default::default(), Utc::now())?.certifications;
        let metrics = shared.metrics.for_org(&name);
        let platform =
            Arc::new(Connector::from_settings(&settings.platform)?.with_observer(metrics.clone()));
        let log = Arc::new(store.delivery_log());
        let notifier =
            crate::notify::Notifier::spawn(&settings.webhook, log, shared.notifier_stop.clone())?
                .for_org(&name);
        let signals = Arc::new(Signals::default());
        let intake = Intake {
            rules,
            store: store.clone(),
            metrics: metrics.clone(),
            signals: signals.clone(),
        };
        let deferral = DeferralRules::build(&settings.policy, &settings.reconcile.time_zone)?;
        if deferral.defers_on_routing() && !platform.reports_routing() {
            // Said once at start-up rather than pretended: without the agent's state every
            // routine change is written at once (change windows still apply).
            tracing::warn!(
                org = %name,
                platform = %settings.platform.kind,
                "policy.defer_when is not supported on this platform (its agent-state API is \
                 unconfirmed): routine changes are written whatever the agent is doing"
            );
        }
        let reconciler = Arc::new(Reconciler {
            settings: ReconcilerSettings {
                reconcile: settings.reconcile.clone(),
                planner,
                safety: settings.safety.clone(),
                max_concurrency: settings.platform.max_concurrency,
                deferral,
                skills: settings.skills.clone(),
            },
            store: store.clone(),
            platform: platform.clone(),
            metrics: metrics.clone(),
            owner: shared.owner.to_owned(),
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
        let api = Arc::new(Api {
            org: name.clone(),
            ingest_slots: Arc::new(tokio::sync::Semaphore::new(
                settings.server.max_concurrent_ingests,
            )),
            server: settings.server.clone(),
            agent_key: settings.feed.agent_key,
            certifications: settings.certifications.clone(),
            certification_rules,
            store: store.clone(),
            platform,
            metrics: metrics.clone(),
            signals: signals.clone(),
            intake,
            skills: SkillsContext {
                ownership: settings.ownership.clone(),
                time_zone: settings
                    .reconcile
                    .time_zone
                    .parse()
                    .unwrap_or(chrono_tz::UTC),
                retire_grace: settings.skills.grace(),
            },
            // The metrics handle was made just now: its call count starts here.
            history: Arc::new(History::new(
                Utc::now(),
                settings.platform.requests_per_minute,
                console_history::CAPACITY,
            )),
            expiry_cache: Default::default(),
        });
        Ok(Self {
            name,
            settings,
            store,
            metrics,
            signals,
            notifier,
            reconciler,
            scheduler: schedule,
            api,
        })
    }

    /// Queues the org's start-up reconcile (run by whichever replica takes its lease).
    pub(super) async fn queue_startup(&self) {
        match self.store.enqueue_job(Trigger::Startup, None, None).await {
            Ok(job) => tracing::info!(org = %self.name, job = job.id, "start-up reconcile queued"),
            Err(e) => {
                tracing::warn!(org = %self.name, error = %e, "cannot queue the start-up reconcile")
            }
        }
    }

    /// The tasks every replica runs for the org whether or not it holds the lease: the gauges
    /// (they read the database), the settling of dead workers' audit intents, and the sampling
    /// of the console's history from the metrics.
    pub(super) fn spawn_gauges(&self, tracker: &TaskTracker, shutdown: &CancellationToken) {
        let gauges = Arc::new(Gauges {
            store: self.store.clone(),
            metrics: self.metrics.clone(),
            signals: self.signals.clone(),
            lease_secs: self.settings.reconcile.lease_secs,
            sources: self
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
        let sampler = Sampler {
            history: self.api.history.clone(),
            metrics: self.metrics.clone(),
            every: console_history::EVERY,
            clock: Utc::now,
        };
        tracker.spawn(console_history::run(sampler, shutdown.clone()));
    }

    /// Starts the work of the lease holder: the worker, the scheduler and the certification
    /// timer; they stop when `working` is cancelled.
    pub(super) fn work(&self, working: &CancellationToken) -> TaskTracker {
        let tasks = TaskTracker::new();
        tasks.spawn(crate::reconciler::worker::run(
            self.reconciler.clone(),
            working.clone(),
        ));
        tasks.spawn(crate::scheduler::run(
            self.scheduler.clone(),
            working.clone(),
        ));
        tasks.spawn(crate::scheduler::certifications::run_timer(
            self.scheduler.clone(),
            working.clone(),
        ));
        tasks.close();
        tasks
    }
}
