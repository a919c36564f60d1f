//! Skill definitions as the catalog commands see them (issue 16): every definition with its
//! state, creating one in `platform.division`, and the soft delete that ends a retirement.
//! The name → id lookups of writes stay in `catalog`.

use reqwest::Method;

use super::api::Http;
use super::calls;
use super::divisions::Division;
use super::wire::{Definition, Listing, NewDefinition};
use crate::domain::AssignmentKind;
use crate::platform::transport::Call;
use crate::platform::{DefinitionRetired, DefinitionState, PlatformError, SkillDefinition};

const SKILLS: &str = "/api/v2/routing/skills";

/// Every definition of `kind`, deleted ones included (lists may still show them).
pub async fn list(
    transport: &Http,
    page_size: u32,
    kind: AssignmentKind,
) -> Result<Vec<Definition>, PlatformError> {
    let (path, call_kind) = match kind {
        AssignmentKind::Language => ("/api/v2/routing/languages", calls::LIST_LANGUAGES),
        _ => (SKILLS, calls::LIST_SKILLS),
    };
    let mut all = Vec::new();
    for page in 1.. {
        let url = format!("{path}?pageSize={page_size}&pageNumber={page}");
        let listing: Listing<Definition> = transport
            .json::<_, ()>(Call {
                kind: call_kind,
                method: Method::GET,
                path: &url,
                body: None,
            })
            .await?;
        let done = listing.entities.len() < page_size as usize || listing.next_uri.is_none();
        all.extend(listing.entities);
        if done {
            break;
        }
    }
    Ok(all)
}

fn state(definition: &Definition) -> DefinitionState {
    match definition.state.as_deref() {
        Some("deleted") => DefinitionState::Deleted,
        Some("inactive") => DefinitionState::Inactive,
        _ => DefinitionState::Active,
    }
}

/// Every skill definition with its state.
pub async fn skills(
    transport: &Http,
    page_size: u32,
) -> Result<Vec<SkillDefinition>, PlatformError> {
    Ok(list(transport, page_size, AssignmentKind::Skill)
        .await?
        .into_iter()
        .map(|d| SkillDefinition {
            state: state(&d),
            id: d.id,
            name: d.name,
        })
        .collect())
}

/// Creates skill `name` in `division`. Genesys Cloud's `RoutingSkill` has no description, so
/// none is stored (`false`).
pub async fn create(
    transport: &Http,
    division: &Division,
    name: &str,
) -> Result<bool, PlatformError> {
    let division_id = division.id(transport).await?;
    let body = NewDefinition { name, division_id };
    transport
        .send(Call {
            kind: calls::CREATE_SKILL,
            method: Method::POST,
            path: SKILLS,
            body: Some(&body),
        })
        .await?;
    tracing::info!(skill = name, "created skill");
    Ok(false)
}

/// Deletes every active definition named exactly `name` (soft: the platform may go on listing
/// it as `deleted`). A 404 means someone deleted it meanwhile.
pub async fn delete(
    transport: &Http,
    page_size: u32,
    name: &str,
) -> Result<DefinitionRetired, PlatformError> {
    let live: Vec<SkillDefinition> = skills(transport, page_size)
        .await?
        .into_iter()
        .filter(|d| d.name == name && d.state != DefinitionState::Deleted)
        .collect();
    if live.is_empty() {
        return Ok(DefinitionRetired::AlreadyGone);
    }
    for definition in &live {
        let path = format!("{SKILLS}/{}", definition.id);
        match transport
            .send::<()>(Call {
                kind: calls::DELETE_SKILL_DEFINITION,
                method: Method::DELETE,
                path: &path,
                body: None,
            })
            .await
        {
            Ok(_) => tracing::info!(skill = name, id = definition.id, "deleted skill definition"),
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(DefinitionRetired::Deleted)
}
