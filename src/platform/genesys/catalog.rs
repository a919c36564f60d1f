//! Skill and language names → ids, read from `/api/v2/routing/skills` and `/languages` (exact,
//! case-sensitive names; deleted definitions skipped), reloaded once when a name is missing. It
//! never writes: creating a missing skill is the writer's call.

use std::collections::{HashMap, HashSet};

use super::api::Http;
use crate::domain::AssignmentKind;
use crate::platform::PlatformError;

/// Known definitions of both kinds.
#[derive(Debug, Default)]
pub struct Catalog {
    skills: HashMap<String, String>,
    languages: HashMap<String, String>,
    loaded: bool,
    /// Names that already caused a reload since the catalog was marked stale: a second miss is
    /// answered without reading every definition again. A reload caused by one name keeps the
    /// others, or two unknown names met in turn would reload the catalog for every agent.
    missed: HashSet<(AssignmentKind, String)>,
}

impl Catalog {
    fn map(&mut self, kind: AssignmentKind) -> &mut HashMap<String, String> {
        match kind {
            AssignmentKind::Language => &mut self.languages,
            _ => &mut self.skills,
        }
    }

    /// Forgets what is loaded, so that the next lookup reads the definitions again (the daemon
    /// does this per job: skills may have been deleted or created in the admin UI meanwhile).
    pub fn mark_stale(&mut self) {
        self.loaded = false;
        self.missed.clear();
    }

    /// Lets the next lookup of `name` read the definitions again (a create whose outcome is
    /// unknown may have defined it).
    pub fn forget_miss(&mut self, kind: AssignmentKind, name: &str) {
        self.missed.remove(&(kind, name.to_string()));
    }

    /// Records a definition created just now.
    pub fn insert(&mut self, kind: AssignmentKind, name: String, id: String) {
        self.missed.remove(&(kind, name.clone()));
        self.map(kind).insert(name, id);
    }

    /// The id of `name`, or `None` when the platform does not define it. Loads the definitions
    /// on first use, and reloads them once per name that is not known (someone may have
    /// created it since).
    pub async fn resolve(
        &mut self,
        transport: &Http,
        page_size: u32,
        kind: AssignmentKind,
        name: &str,
    ) -> Result<Option<String>, PlatformError> {
        if !self.loaded {
            self.load(transport, page_size).await?;
        }
        if let Some(id) = self.map(kind).get(name) {
            return Ok(Some(id.clone()));
        }
        let key = (kind, name.to_string());
        if self.missed.contains(&key) {
            return Ok(None);
        }
        self.load(transport, page_size).await?;
        let found = self.map(kind).get(name).cloned();
        if found.is_none() {
            self.missed.insert(key);
        }
        Ok(found)
    }

    async fn load(&mut self, transport: &Http, page_size: u32) -> Result<(), PlatformError> {
        for kind in [AssignmentKind::Skill, AssignmentKind::Language] {
            *self.map(kind) = super::definitions::list(transport, page_size, kind)
                .await?
                .into_iter()
                .filter(|def| def.state.as_deref() != Some("deleted"))
                .map(|def| (def.name, def.id))
                .collect();
        }
        self.loaded = true;
        Ok(())
    }
}
