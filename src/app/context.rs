//! What the composition root keeps: the configuration, the identity under which this process
//! holds leases, and each room's state. Rooms receive their own state, never this.

use std::sync::Arc;

use crate::config::Settings;
use crate::http::Api;
use crate::metrics::Metrics;
use crate::notify::NotifierHandle;
use crate::reconciler::Reconciler;
use crate::scheduler::Scheduler;
use crate::signals::Signals;
use crate::store::Store;

/// Shared by the election loop, the listeners and the tests.
pub struct Context {
    /// The effective configuration.
    pub settings: Settings,
    /// The database.
    pub store: Store,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// This process's lease owner id.
    pub owner: String,
    /// Wake-ups shared by the rooms.
    pub signals: Arc<Signals>,
    /// The certification webhook (disabled when no URL is configured).
    pub notifier: NotifierHandle,
    /// The worker's state.
    pub reconciler: Arc<Reconciler>,
    /// The scheduler's and certification timer's state.
    pub scheduler: Arc<Scheduler>,
    /// The API's state.
    pub api: Arc<Api>,
}
