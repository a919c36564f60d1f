//! Skill and language names → ids, read from `/api/v2/routing/skills` and `/languages` (exact,
//! case-sensitive names; deleted definitions skipped), reloaded once when a name is missing,
//! and skills created on request.

use std::collections::HashMap;

use reqwest::Method;

use super::transport::{Call, Transport};
use super::wire::{Definition, Listing, NewDefinition};
use crate::domain::AssignmentKind;
use crate::platform::{CallKind, PlatformError};

/// Known definitions of both kinds.
#[derive(Debug, Default)]
pub struct Catalog {
    skills: HashMap<String, String>,
    languages: HashMap<String, String>,
    loaded: bool,
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

    /// The id of `name`, loading the definitions on first use and reloading them once when the
    /// name is not known (someone may have created it since); with `create`, a missing skill is
    /// created.
    pub async fn resolve(
        &mut self,
        transport: &Transport,
        page_size: u32,
        kind: AssignmentKind,
        name: &str,
        create: bool,
    ) -> Result<String, PlatformError> {
        if !self.loaded {
            self.load(transport, page_size).await?;
        }
        if let Some(id) = self.map(kind).get(name) {
            return Ok(id.clone());
        }
        self.load(transport, page_size).await?;
        if let Some(id) = self.map(kind).get(name) {
            return Ok(id.clone());
        }
        if create && kind == AssignmentKind::Skill {
            let created: Definition = transport
                .json(Call {
                    kind: CallKind::CreateSkill,
                    method: Method::POST,
                    path: path(kind),
                    body: Some(&NewDefinition { name }),
                })
                .await?;
            tracing::info!(skill = name, id = created.id, "created missing skill");
            self.map(kind).insert(created.name, created.id.clone());
            return Ok(created.id);
        }
        Err(PlatformError::UnknownName {
            kind: kind.as_str(),
            name: name.to_string(),
        })
    }

    async fn load(&mut self, transport: &Transport, page_size: u32) -> Result<(), PlatformError> {
        for kind in [AssignmentKind::Skill, AssignmentKind::Language] {
            let call_kind = match kind {
                AssignmentKind::Language => CallKind::ListLanguages,
                _ => CallKind::ListSkills,
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
