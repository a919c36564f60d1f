//! Platform connectors: the only code that knows vendor APIs. Everything above this layer
//! speaks in names and canonical proficiencies; connectors translate ids, scales and calls.
//! `transport` is shared by every connector; only `genesys` (and future connectors) know a
//! vendor. This layer must not depend on anything above `domain`.

mod connector;
pub mod cxone;
pub mod error;
pub mod genesys;
pub mod journal;
pub mod settings;
pub mod transport;

use std::future::Future;

pub use connector::Connector;
pub use error::PlatformError;
pub use journal::{Journal, JournalError, NoJournal, WriteIntent, WriteResult};
pub use settings::PlatformSettings;
pub use transport::counting::{CallCounts, CallKind, CallObserver, CallStats};

use crate::domain::{Change, Granularity, LiveAgent};

/// What skillsync needs from a CCaaS platform: every connector implements it, and
/// [`Connector`] dispatches to the configured one. Shaped so that a NICE CXone connector fits:
/// removals are handed over together (CXone deletes several skills in one call with a body),
/// and proficiencies cross this boundary on skillsync's own 0–5 scale.
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

    /// Makes the next write re-read the skill and language definitions (once per job: someone
    /// may have created or deleted skills in the admin UI since).
    fn refresh_definitions(&self) -> impl Future<Output = ()> + Send;

    /// Whether the credentials work (a cached token, or one minted now): the readiness check.
    fn check_credentials(&self) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// Calls made so far.
    fn calls(&self) -> CallCounts;
}
