//! `Cxone`: one NICE CXone tenant reached with one access key, built from the `[platform]`
//! configuration. It finds the endpoints once, at the first call (discovery, or `base_url`),
//! then sends everything through the shared transport. It holds no pacing or retry logic.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use super::api::{CxoneApi, Http};
use super::endpoints::{self, Endpoints, Source};
use super::live::Catalog;
use super::observe::{AgentAssignments, Changes, Reader};
use super::wire::{Agent, Assignment, CxoneId, Skill};
use crate::domain::Secret;
use crate::platform::transport::TransportSettings;
use crate::platform::{CallCounts, CallObserver, CallStats, PlatformError, PlatformSettings};

/// A NICE CXone tenant.
pub struct Cxone {
    http: reqwest::Client,
    source: Source,
    access_key_id: String,
    access_key_secret: Secret,
    transport_settings: TransportSettings,
    transport: OnceCell<Http>,
    stats: Arc<CallStats>,
    observer: Option<Arc<dyn CallObserver>>,
    page_size: u32,
    write_batch_size: usize,
    concurrency: usize,
    /// What the last reads learned, for the writes and reads after them.
    pub(super) known: Known,
}

/// What earlier reads learned: the skill catalog (until definitions are refreshed), the agents
/// last listed, the last full listing's poll time and size.
#[derive(Default)]
pub(super) struct Known {
    pub catalog: tokio::sync::Mutex<Option<Arc<Catalog>>>,
    pub agents: parking_lot::Mutex<HashMap<CxoneId, Agent>>,
    pub cursor: parking_lot::Mutex<Option<String>>,
    pub assignments: std::sync::atomic::AtomicUsize,
}

impl Cxone {
    /// A connector for the configured tenant. Checks the configuration; no call is made until
    /// the connector is used.
    pub fn new(settings: &PlatformSettings) -> Result<Self, PlatformError> {
        let source = endpoints::source(&settings.base_url, &settings.area, &settings.api_version)
            .map_err(PlatformError::Config)?;
        if settings.access_key_id.trim().is_empty() {
            return Err(PlatformError::Config(
                "platform.access_key_id is empty (CXone logs in with an access key)".into(),
            ));
        }
        if settings.access_key_secret.expose().is_empty() {
            return Err(PlatformError::Config(
                "platform.access_key_secret is empty; set SKILLSYNC__PLATFORM__ACCESS_KEY_SECRET"
                    .into(),
            ));
        }
        let http = crate::platform::transport::http_client(settings)?;
        Ok(Self {
            http,
            source,
            access_key_id: settings.access_key_id.trim().to_string(),
            access_key_secret: settings.access_key_secret.clone(),
            transport_settings: TransportSettings {
                requests_per_minute: settings.requests_per_minute.max(1),
                burst: settings.max_concurrency.max(1) as u32,
                max_retries: settings.max_retries,
                min_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(30),
            },
            transport: OnceCell::new(),
            stats: Arc::new(CallStats::new(&super::calls::ALL)),
            observer: None,
            page_size: settings.users_page_size.max(1),
            write_batch_size: settings.write_batch_size.max(1) as usize,
            concurrency: settings.max_concurrency.max(1),
            known: Known::default(),
        })
    }

    /// Reports every platform call to `observer` (the daemon's metrics).
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        if let Some(transport) = self.transport.get_mut() {
            transport.observe_with(observer.clone());
        }
        self.observer = Some(observer);
        self
    }

    /// The same connector finding its endpoints from `source` (a test's stand-in tenant).
    #[cfg(test)]
    pub(super) fn with_source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// The endpoints, found at the first call: a failed discovery is tried again next time.
    pub async fn endpoints(&self) -> Result<Endpoints, PlatformError> {
        match &self.source {
            Source::Fixed(endpoints) => Ok(endpoints.clone()),
            Source::Discover { url, api_version } => {
                endpoints::discover(&self.http, url, api_version).await
            }
        }
    }

    /// The transport, built once the endpoints are known.
    pub(super) async fn transport(&self) -> Result<&Http, PlatformError> {
        self.transport
            .get_or_try_init(|| async {
                let found = self.endpoints().await?;
                tracing::debug!(api_base = %found.api_base, "CXone endpoints");
                let api = CxoneApi::new(
                    found.token_url,
                    self.access_key_id.clone(),
                    self.access_key_secret.clone(),
                );
                let mut transport = Http::new(
                    self.http.clone(),
                    found.api_base,
                    api,
                    self.transport_settings.clone(),
                    self.stats.clone(),
                );
                if let Some(observer) = &self.observer {
                    transport.observe_with(observer.clone());
                }
                Ok(transport)
            })
            .await
    }

    pub(super) async fn reader(&self) -> Result<Reader<'_>, PlatformError> {
        Ok(Reader {
            transport: self.transport().await?,
            page_size: self.page_size,
        })
    }

    /// Whether the access key works (a cached token, or one minted now): the readiness check.
    pub async fn check_credentials(&self) -> Result<(), PlatformError> {
        self.transport().await?.token().await.map(|_| ())
    }

    /// Calls made so far (discovery is not a call of the tenant's API and is not counted).
    pub fn calls(&self) -> CallCounts {
        self.stats.snapshot()
    }

    /// The largest agent list of one per-skill write (`platform.write_batch_size`).
    pub fn write_batch_size(&self) -> usize {
        self.write_batch_size
    }

    /// Records a listing page asks for (`platform.users_page_size`).
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Calls to have in flight at once (`platform.max_concurrency`).
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Every active agent.
    pub async fn agents(&self) -> Result<Vec<Agent>, PlatformError> {
        self.reader().await?.agents().await
    }

    /// Every skill definition.
    pub async fn skills(&self) -> Result<Vec<Skill>, PlatformError> {
        self.reader().await?.skills().await
    }

    /// Every assignment of the tenant, by agent.
    pub async fn assignments(&self) -> Result<AgentAssignments, PlatformError> {
        self.reader().await?.assignments().await
    }

    /// The assignments changed since `updated_since` (a previous `lastPollTime`), and the
    /// `lastPollTime` to pass next time.
    pub async fn read_assignments_since(
        &self,
        updated_since: &str,
    ) -> Result<Changes, PlatformError> {
        self.reader().await?.assignments_since(updated_since).await
    }

    /// One agent's assignments.
    pub async fn agent_skills(&self, agent_id: &CxoneId) -> Result<Vec<Assignment>, PlatformError> {
        self.reader().await?.agent_skills(agent_id).await
    }
}
