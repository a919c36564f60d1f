//! `platform.division` (issue 16): skills skillsync creates go into this division rather than the
//! home one, so that a deployment managing one business unit keeps its skills there. The name is
//! resolved to an id once, on the first create, with one listing call.

use reqwest::Method;

use super::api::Http;
use super::calls;
use super::wire::{DivisionRef, Listing};
use crate::platform::transport::Call;
use crate::platform::PlatformError;

/// The id of the division named exactly `name`.
pub async fn division_id(transport: &Http, name: &str) -> Result<String, PlatformError> {
    // The platform's `name` is a search term: several may match, and only an exact name counts.
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("name", name)
        .append_pair("pageSize", "100")
        .finish();
    let path = format!("/api/v2/authorization/divisions?{query}");
    let listing: Listing<DivisionRef> = transport
        .json::<_, ()>(Call {
            kind: calls::LIST_DIVISIONS,
            method: Method::GET,
            path: &path,
            body: None,
        })
        .await?;
    listing
        .entities
        .into_iter()
        .find(|d| d.name == name)
        .map(|d| d.id)
        .ok_or_else(|| {
            PlatformError::Config(format!(
                "platform.division {name:?}: the org has no division of that name"
            ))
        })
}

/// `platform.division`, and its id once resolved.
#[derive(Debug, Default)]
pub struct Division {
    name: Option<String>,
    id: tokio::sync::OnceCell<String>,
}

impl Division {
    /// The configured name; empty means the home division.
    pub fn named(name: &str) -> Self {
        Self {
            name: (!name.trim().is_empty()).then(|| name.trim().to_owned()),
            id: tokio::sync::OnceCell::new(),
        }
    }

    /// The id to create skills in; `None` for the home division. Resolved on first use (a
    /// failed lookup is tried again next time).
    pub async fn id(&self, transport: &Http) -> Result<Option<&str>, PlatformError> {
        let Some(name) = &self.name else {
            return Ok(None);
        };
        let id = self
            .id
            .get_or_try_init(|| division_id(transport, name))
            .await?;
        Ok(Some(id.as_str()))
    }
}
