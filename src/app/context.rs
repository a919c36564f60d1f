//! What the composition root keeps: the configuration, the identity under which this process
//! holds leases, and each org's rooms. Rooms receive their own state, never this.

use std::sync::Arc;

use super::org::OrgRuntime;
use crate::config::Settings;
use crate::store::Store;

/// Shared by the lease loop, the listeners and the tests.
pub struct Context {
    /// The effective configuration (top level; each org has its own in [`OrgRuntime`]).
    pub settings: Settings,
    /// The database, not scoped to an org (leases are the process's).
    pub store: Store,
    /// This process's lease owner id.
    pub owner: String,
    /// Every configured org, in configuration order (by name).
    pub orgs: Vec<Arc<OrgRuntime>>,
}

impl Context {
    /// The org the unscoped `/v1/…` paths mean: `default`, or the first (the only one, for a
    /// configuration with one org).
    pub fn primary(&self) -> &Arc<OrgRuntime> {
        self.orgs
            .iter()
            .find(|o| o.name == crate::domain::DEFAULT_ORG)
            .unwrap_or(&self.orgs[0])
    }

    /// The org named `name`.
    pub fn org(&self, name: &str) -> Option<&Arc<OrgRuntime>> {
        self.orgs.iter().find(|o| o.name == name)
    }
}
