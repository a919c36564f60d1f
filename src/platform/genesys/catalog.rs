//! Skill and language names → ids, read from `/api/v2/routing/skills` and `/languages` (exact,
//! case-sensitive names; deleted definitions skipped), reloaded once when a name is missing. It
//! never writes: creating a missing skill is the writer's call.

use std::collections::{HashMap, HashSet};

use reqwest::Method;

use super::api::Http;
use super::calls;
use super::wire::{Definition, Listing};
use crate::domain::AssignmentKind;
use crate::platform::transport::Call;
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

fn path(kind: AssignmentKind) -> &'static str {
    match kind {
        AssignmentKind::Language => "/api/v2/routing/languages",
        _ => "/api/v2/routing/skills",
    }
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
            let call_kind = match kind {
                AssignmentKind::Language => calls::LIST_LANGUAGES,
                _ => calls::LIST_SKILLS,
            };
            let mut map = HashMap::new();
            let mut page = 1;
            loop {
                let url = format!("{}?pageSize={page_size}&pageNumber={page}", path(kind));
                let listing: Listing<Definition> = transport
                    .json::<_, ()>(Call {
                        kind: call_kind,
                        method: Method::GET,
                        path: &url,
                        body: None,
                    })
                    .await?;
                let done =
                    listing.entities.len() < page_size as usize || listing.next_uri.is_none();
                for def in listing.entities {
                    if def.state.as_deref() != Some("deleted") {
                        map.insert(def.name, def.id);
                    }
                }
                if done {
                    break;
                }
                page += 1;
            }
            *self.map(kind) = map;
        }
        self.loaded = true;
        Ok(())
    }
}
