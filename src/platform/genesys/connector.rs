//! `Genesys`: the Genesys Cloud implementation of [`Platform`], wiring the transport, reader,
//! catalog and writer from the `[platform]` configuration. It holds no pacing or retry logic.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::api::{GenesysApi, Http};
use super::catalog::Catalog;
use super::divisions::Division;
use super::observe::Reader;
use super::regions;
use super::write::Writer;
use crate::domain::LiveAgent;
use crate::domain::{Change, Granularity};
use crate::platform::transport::TransportSettings;
use crate::platform::PlatformSettings;
use crate::platform::{
    CallCounts, CallObserver, CallStats, DefinitionRetired, Journal, Platform, PlatformError,
    SkillDefinition, SkillGroupUse,
};

/// Genesys Cloud stores skill proficiencies in half steps and rounds languages to whole ones.
const GRANULARITY: Granularity = crate::platform::scales::GENESYS;

/// A Genesys Cloud org, reached with one OAuth client.
pub struct Genesys {
    transport: Http,
    catalog: tokio::sync::Mutex<Catalog>,
    users_page_size: u32,
    definitions_page_size: u32,
    concurrency: usize,
    create_missing_skills: bool,
    division: Division,
}

impl Genesys {
    /// A connector for the configured org (`platform.kind` is [`crate::platform::Connector`]'s
    /// to check). No call is made until it is used.
    pub(crate) fn new(settings: &PlatformSettings) -> Result<Self, PlatformError> {
        let (api_base, login) =
            regions::hosts(&settings.region, &settings.base_url).map_err(PlatformError::Config)?;
        let http = crate::platform::transport::http_client(settings)?;
        let api = GenesysApi::new(
            &login,
            settings.client_id.clone(),
            settings.client_secret.clone(),
        );
        let transport_settings = TransportSettings {
            requests_per_minute: settings.requests_per_minute.max(1),
            burst: settings.max_concurrency.max(1) as u32,
            max_retries: settings.max_retries,
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(30),
        };
        Ok(Self {
            transport: Http::new(
                http,
                api_base,
                api,
                transport_settings,
                Arc::new(CallStats::new(&super::calls::ALL)),
            ),
            catalog: tokio::sync::Mutex::new(Catalog::default()),
            users_page_size: settings.users_page_size.max(1),
            definitions_page_size: settings.definitions_page_size.max(1),
            concurrency: settings.max_concurrency.max(1),
            create_missing_skills: settings.create_missing_skills,
            division: Division::named(&settings.division),
        })
    }

    /// Reports every platform call to `observer` (the daemon's metrics).
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.transport.observe_with(observer);
        self
    }

    fn reader(&self) -> Reader<'_> {
        Reader {
            transport: &self.transport,
            page_size: self.users_page_size,
            concurrency: self.concurrency,
        }
    }
}

impl Platform for Genesys {
    fn granularity(&self) -> Granularity {
        GRANULARITY
    }

    async fn observe(&self) -> Result<Vec<LiveAgent>, PlatformError> {
        self.reader().all().await
    }

    async fn read_agents(&self, user_ids: &[String]) -> Result<Vec<LiveAgent>, PlatformError> {
        self.reader().by_ids(user_ids).await
    }

    async fn apply<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        Writer {
            transport: &self.transport,
            catalog: &self.catalog,
            page_size: self.definitions_page_size,
            create_missing: self.create_missing_skills,
            division: &self.division,
        }
        .apply(agent, changes, journal)
        .await
    }

    /// Routing status comes with every user read (`expand=routingStatus`).
    fn reports_routing(&self) -> bool {
        true
    }

    async fn scheduled_activities(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, String>, PlatformError> {
        super::adherence::scheduled_activities(&self.transport, self.concurrency, user_ids).await
    }

    async fn skill_definitions(&self) -> Result<Vec<SkillDefinition>, PlatformError> {
        super::definitions::skills(&self.transport, self.definitions_page_size).await
    }

    async fn create_skill(
        &self,
        name: &str,
        _description: Option<&str>,
    ) -> Result<bool, PlatformError> {
        let created = super::definitions::create(&self.transport, &self.division, name).await;
        self.catalog.lock().await.mark_stale();
        created
    }

    async fn skill_groups(&self) -> Result<Vec<SkillGroupUse>, PlatformError> {
        super::skill_groups::list(&self.transport).await
    }

    async fn retire_skill_definition(
        &self,
        name: &str,
    ) -> Result<DefinitionRetired, PlatformError> {
        let retired =
            super::definitions::delete(&self.transport, self.definitions_page_size, name).await;
        self.catalog.lock().await.mark_stale();
        retired
    }

    async fn refresh_definitions(&self) {
        self.catalog.lock().await.mark_stale();
    }

    async fn check_credentials(&self) -> Result<(), PlatformError> {
        self.transport.token().await.map(|_| ())
    }

    fn calls(&self) -> CallCounts {
        self.transport.stats().snapshot()
    }
}
