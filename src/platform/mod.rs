//! Platform connectors: the only code that knows vendor APIs. Everything above this layer
//! speaks in names and canonical proficiencies; connectors translate ids, scales and calls.
//! `transport` is shared by every connector; only `genesys` (and future connectors) know a
//! vendor. This layer must not depend on anything above `domain`.

pub mod batch;
mod connector;
pub mod cxone;
pub mod definitions;
pub mod error;
pub mod genesys;
pub mod incremental;
pub mod journal;
pub mod scales;
pub mod settings;
pub mod transport;

use std::collections::HashMap;
use std::future::Future;

pub use batch::AgentWrite;
pub use connector::Connector;
pub use definitions::{DefinitionRetired, DefinitionState, SkillDefinition, SkillGroupUse};
pub use error::PlatformError;
pub use incremental::Changed;
pub use journal::{Journal, JournalError, NoJournal, WriteIntent, WriteResult};
pub use settings::PlatformSettings;
pub use transport::counting::{CallCounts, CallKind, CallObserver, CallStats};

use crate::domain::{Change, Granularity, LiveAgent};

/// What skillsync needs from a CCaaS platform: every connector implements it, and
/// [`Connector`] dispatches to the configured one. Shaped so that a NICE CXone connector fits:
/// removals are handed over together (CXone deletes several skills in one call with a body),
/// and proficiencies cross this boundary on the platform's own scale ([`scales`]).
pub trait Platform: Send + Sync {
    /// The proficiency granularity the platform stores, for the planner.
    fn granularity(&self) -> Granularity;

    /// Reads every active user with skills, languages, certifications and keys.
    fn observe(&self) -> impl Future<Output = Result<Vec<LiveAgent>, PlatformError>> + Send;

    /// Reads the given users again (after a conflict, or to verify writes).
    fn read_agents(
        &self,
        user_ids: &[String],
    ) -> impl Future<Output = Result<Vec<LiveAgent>, PlatformError>> + Send;

    /// Writes the writable `changes` for one agent whose state was read as `agent`, announcing
    /// every call to `journal` first. A [`PlatformError::Conflict`] means: re-read the agent
    /// and plan again.
    fn apply<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// How many agents' writes the connector wants handed over at once through
    /// [`Platform::apply_batch`] (it groups them into fewer calls); 1: one at a time.
    fn write_batch(&self) -> usize {
        1
    }

    /// Writes several agents' planned changes, grouping them into as few calls as the platform
    /// allows; one result per write, in order, each meaning what [`Platform::apply`]'s would.
    /// By default each agent goes through `apply`, all at once (the transport paces them).
    fn apply_batch<J: Journal>(
        &self,
        writes: &[AgentWrite<'_, J>],
    ) -> impl Future<Output = Vec<Result<(), PlatformError>>> + Send {
        futures::future::join_all(
            writes
                .iter()
                .map(|w| self.apply(w.agent, w.changes, w.journal)),
        )
    }

    /// The agents whose assignments changed since `cursor` (a value [`Platform::scan_cursor`]
    /// or an earlier call returned). `Ok(None)`: the platform cannot list changes; read
    /// everything instead.
    fn observe_changed(
        &self,
        cursor: &str,
    ) -> impl Future<Output = Result<Option<Changed>, PlatformError>> + Send {
        let _ = cursor;
        async { Ok(None) }
    }

    /// The cursor of the last full [`Platform::observe`], for the next incremental read
    /// (`None`: no incremental reads, or no full read yet).
    fn scan_cursor(&self) -> Option<String> {
        None
    }

    /// Makes the next write re-read the skill and language definitions (once per job: someone
    /// may have created or deleted skills in the admin UI since).
    fn refresh_definitions(&self) -> impl Future<Output = ()> + Send;

    /// Whether the credentials work (a cached token, or one minted now): the readiness check.
    fn check_credentials(&self) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// Calls made so far.
    fn calls(&self) -> CallCounts;

    /// Whether reads carry what an agent is doing ([`LiveAgent::routing`]), so that routine
    /// changes can wait while the agent handles an interaction. `false`: deferral is not
    /// supported on this platform and changes are written whatever the agent does.
    fn reports_routing(&self) -> bool {
        false
    }

    /// The workforce-management activity category scheduled now for each of `user_ids` (users
    /// without a schedule are left out). Costs one call per 100 users on Genesys Cloud.
    fn scheduled_activities(
        &self,
        user_ids: &[String],
    ) -> impl Future<Output = Result<HashMap<String, String>, PlatformError>> + Send {
        let _ = user_ids;
        async {
            Err(PlatformError::Unsupported(
                "scheduled activities (workforce-management adherence)",
            ))
        }
    }

    /// Every skill definition, deleted and inactive ones included.
    fn skill_definitions(
        &self,
    ) -> impl Future<Output = Result<Vec<SkillDefinition>, PlatformError>> + Send {
        async { Err(PlatformError::Unsupported("listing skill definitions")) }
    }

    /// Creates the skill `name` (in `platform.division` where the platform has divisions).
    /// Returns whether `description` was stored: not every platform keeps one.
    fn create_skill(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> impl Future<Output = Result<bool, PlatformError>> + Send {
        let _ = (name, description);
        async { Err(PlatformError::Unsupported("creating skills")) }
    }

    /// Every skill group with the skills its conditions name. Empty on a platform without skill
    /// groups: nothing references a skill that way there.
    fn skill_groups(
        &self,
    ) -> impl Future<Output = Result<Vec<SkillGroupUse>, PlatformError>> + Send {
        async { Ok(Vec::new()) }
    }

    /// Retires the definition of skill `name`: deletes it, or deactivates it where skills cannot
    /// be deleted. Only called once no agent holds it and no skill group names it.
    fn retire_skill_definition(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<DefinitionRetired, PlatformError>> + Send {
        let _ = name;
        async { Err(PlatformError::Unsupported("retiring skill definitions")) }
    }
}
