//! What every part of the daemon shares: configuration, store, platform, metrics, and the
//! identity under which this process holds leases.

use std::sync::Arc;

use tokio::sync::Notify;

use super::metrics::Metrics;
use crate::config::Settings;
use crate::feed::FeedRules;
use crate::notify::NotifierHandle;
use crate::platform::Connector;
use crate::store::Store;

/// Shared by the worker, the scheduler and the HTTP handlers.
pub struct Context {
    /// The effective configuration.
    pub settings: Settings,
    /// Feed rules compiled from `[feed]`.
    pub rules: FeedRules,
    /// The database.
    pub store: Store,
    /// The platform connector.
    pub platform: Connector,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// This process's lease owner id.
    pub owner: String,
    /// Wakes the worker when a job is queued.
    pub wake: Notify,
    /// Wakes the certification timer when the desired state changed.
    pub certifications_changed: Notify,
    /// Asks the gauge refresher to read the database now (a job just saved what it observed).
    pub gauges_stale: Notify,
    /// The certification webhook (disabled when no URL is configured).
    pub notifier: NotifierHandle,
}
