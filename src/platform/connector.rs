//! `Connector`: the one platform handle the daemon, the CLI and the demo hold, chosen by
//! `platform.kind`. It only dispatches to the connector configured; it must not hold vendor
//! logic of its own.

use std::sync::Arc;

use super::cxone::Cxone;
use super::genesys::Genesys;
use super::{
    AgentWrite, CallCounts, CallObserver, Changed, DefinitionRetired, Journal, Platform,
    PlatformError, PlatformSettings, SkillDefinition, SkillGroupUse,
};
use crate::domain::{Change, Granularity, LiveAgent};

/// The configured platform connector. An enum rather than a trait object: the set of
/// connectors is closed and chosen at start-up, and static dispatch keeps the connectors'
/// `async fn`s and the generic journal as they are, with no boxed futures.
pub enum Connector {
    /// Genesys Cloud.
    Genesys(Genesys),
    /// NICE CXone.
    Cxone(Cxone),
}

/// Calls `$call` on whichever connector `$self` holds.
macro_rules! each {
    ($self:expr, $c:ident => $call:expr) => {
        match $self {
            Connector::Genesys($c) => $call,
            Connector::Cxone($c) => $call,
        }
    };
}

/// Refuses numbers the connector cannot work with. A 0 budget would otherwise read as one call
/// a minute, and a float such as `inf` given for an integer loads as the largest integer (the
/// `config` crate saturates), which a semaphore or a timer cannot take.
fn check_ranges(s: &PlatformSettings) -> Result<(), PlatformError> {
    let ranges: [(&str, u64, u64, u64); 8] = [
        (
            "requests_per_minute",
            s.requests_per_minute.into(),
            1,
            1_000_000,
        ),
        ("max_concurrency", s.max_concurrency as u64, 1, 1_024),
        ("request_timeout_secs", s.request_timeout_secs, 1, 3_600),
        ("connect_timeout_secs", s.connect_timeout_secs, 1, 600),
        ("max_retries", s.max_retries.into(), 0, 100),
        ("users_page_size", s.users_page_size.into(), 1, 10_000),
        (
            "definitions_page_size",
            s.definitions_page_size.into(),
            1,
            10_000,
        ),
        ("write_batch_size", s.write_batch_size.into(), 1, 1_000),
    ];
    match ranges
        .iter()
        .find(|(_, value, min, max)| !(min..=max).contains(&value))
    {
        Some((key, value, min, max)) => Err(PlatformError::Config(format!(
            "platform.{key} = {value} is outside {min} to {max}"
        ))),
        None => Ok(()),
    }
}

impl Connector {
    /// The `platform.kind` it was built for.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Genesys(_) => "genesys",
            Self::Cxone(_) => "cxone",
        }
    }

    /// The connector `settings.kind` names. No call is made until it is used.
    pub fn from_settings(settings: &PlatformSettings) -> Result<Self, PlatformError> {
        check_ranges(settings)?;
        match settings.kind.as_str() {
            "genesys" => Genesys::new(settings).map(Self::Genesys),
            "cxone" => Cxone::new(settings).map(Self::Cxone),
            other => Err(PlatformError::Config(format!(
                "platform.kind {other:?} is not supported; use \"genesys\" or \"cxone\""
            ))),
        }
    }

    /// Reports every platform call to `observer` (the daemon's metrics).
    pub fn with_observer(self, observer: Arc<dyn CallObserver>) -> Self {
        match self {
            Self::Genesys(c) => Self::Genesys(c.with_observer(observer)),
            Self::Cxone(c) => Self::Cxone(c.with_observer(observer)),
        }
    }
}

impl Platform for Connector {
    fn granularity(&self) -> Granularity {
        each!(self, c => c.granularity())
    }

    async fn observe(&self) -> Result<Vec<LiveAgent>, PlatformError> {
        each!(self, c => c.observe().await)
    }

    async fn read_agents(&self, user_ids: &[String]) -> Result<Vec<LiveAgent>, PlatformError> {
        each!(self, c => c.read_agents(user_ids).await)
    }

    async fn apply<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        each!(self, c => c.apply(agent, changes, journal).await)
    }

    fn write_batch(&self) -> usize {
        each!(self, c => c.write_batch())
    }

    async fn apply_batch<J: Journal>(
        &self,
        writes: &[AgentWrite<'_, J>],
    ) -> Vec<Result<(), PlatformError>> {
        each!(self, c => c.apply_batch(writes).await)
    }

    async fn observe_changed(&self, cursor: &str) -> Result<Option<Changed>, PlatformError> {
        each!(self, c => c.observe_changed(cursor).await)
    }

    fn scan_cursor(&self) -> Option<String> {
        each!(self, c => c.scan_cursor())
    }

    async fn refresh_definitions(&self) {
        each!(self, c => c.refresh_definitions().await)
    }

    async fn check_credentials(&self) -> Result<(), PlatformError> {
        each!(self, c => Platform::check_credentials(c).await)
    }

    fn calls(&self) -> CallCounts {
        each!(self, c => Platform::calls(c))
    }

    fn reports_routing(&self) -> bool {
        each!(self, c => c.reports_routing())
    }

    async fn scheduled_activities(
        &self,
        user_ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, PlatformError> {
        each!(self, c => c.scheduled_activities(user_ids).await)
    }

    async fn skill_definitions(&self) -> Result<Vec<SkillDefinition>, PlatformError> {
        each!(self, c => c.skill_definitions().await)
    }

    async fn create_skill(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> Result<bool, PlatformError> {
        each!(self, c => c.create_skill(name, description).await)
    }

    async fn skill_groups(&self) -> Result<Vec<SkillGroupUse>, PlatformError> {
        each!(self, c => c.skill_groups().await)
    }

    async fn retire_skill_definition(
        &self,
        name: &str,
    ) -> Result<DefinitionRetired, PlatformError> {
        each!(self, c => c.retire_skill_definition(name).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(kind: &str) -> PlatformSettings {
        PlatformSettings {
            kind: kind.into(),
            region: String::new(),
            base_url: "http://127.0.0.1:9".into(),
            client_id: "id".into(),
            client_secret: "secret".into(),
            requests_per_minute: 300,
            max_concurrency: 4,
            request_timeout_secs: 30,
            connect_timeout_secs: 5,
            max_retries: 3,
            users_page_size: 500,
            definitions_page_size: 100,
            create_missing_skills: false,
            division: String::new(),
            access_key_id: String::new(),
            access_key_secret: "".into(),
            area: String::new(),
            api_version: "v33.0".into(),
            write_batch_size: 50,
        }
    }

    #[test]
    fn the_kind_picks_the_connector_and_unknown_kinds_are_refused() {
        assert!(matches!(
            Connector::from_settings(&settings("genesys")),
            Ok(Connector::Genesys(_))
        ));
        let refused = Connector::from_settings(&settings("nice"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            refused.as_deref(),
            Some("invalid platform configuration: platform.kind \"nice\" is not supported; use \"genesys\" or \"cxone\"")
        );
    }

    #[test]
    fn a_budget_of_zero_requests_is_refused_rather_than_read_as_one_a_minute() {
        let mut zero = settings("genesys");
        zero.requests_per_minute = 0;
        let refused = Connector::from_settings(&zero).err().map(|e| e.to_string());
        assert!(
            refused.is_some_and(|e| e.contains("platform.requests_per_minute = 0 is outside 1"))
        );
    }

    #[test]
    fn a_saturated_integer_is_refused_rather_than_handed_to_a_semaphore() {
        let mut huge = settings("genesys");
        huge.max_concurrency = usize::MAX;
        let refused = Connector::from_settings(&huge).err().map(|e| e.to_string());
        assert!(
            refused.is_some_and(|e| e.contains("platform.max_concurrency")),
            "refused"
        );
    }
}
