//! `/api/v2/authorization/divisions`: the paged `AuthzDivisionEntityListing` (with the SDK's `id`
//! and `name` filters) and the home division.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::sim::divisions::Division;
use crate::sim::error::ApiError;
use crate::sim::extract::QueryParams;
use crate::sim::paging::{Listing, PageRequest};
use crate::sim::state::SimState;

const MAX_PAGE: u32 = 500;

/// A division as the SDK's `AuthzDivision`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthzDivisionView<'a> {
    id: &'a str,
    name: &'a str,
    description: String,
    home_division: bool,
    self_uri: String,
}

impl<'a> AuthzDivisionView<'a> {
    fn new(d: &'a Division) -> Self {
        Self {
            id: &d.id_str,
            name: &d.name,
            description: if d.home {
                "The home division".into()
            } else {
                format!("{} division", d.name)
            },
            home_division: d.home,
            self_uri: format!("/api/v2/authorization/divisions/{}", d.id_str),
        }
    }
}

/// `GET /api/v2/authorization/divisions`. The SDK calls `name` a "search term"; the simulator
/// reads it as a case-insensitive substring, so an exact name always finds its division and
/// callers must still compare names themselves.
pub async fn list(
    State(state): State<Arc<SimState>>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let page = PageRequest::from_query(&params, MAX_PAGE)?;
    let term = params.get("name").map(str::to_lowercase);
    let ids = params.list("id");
    let matching: Vec<&Division> = state
        .org
        .divisions
        .all()
        .iter()
        .filter(|d| {
            term.as_ref()
                .is_none_or(|t| d.name.to_lowercase().contains(t))
        })
        .filter(|d| ids.is_empty() || ids.iter().any(|i| i.eq_ignore_ascii_case(&d.id_str)))
        .collect();
    let entities = matching[page.range(matching.len())]
        .iter()
        .map(|d| AuthzDivisionView::new(d))
        .collect();
    let mut extra = form_urlencoded::Serializer::new(String::new());
    if let Some(name) = params.get("name") {
        extra.append_pair("name", name);
    }
    if !ids.is_empty() {
        extra.append_pair("id", &ids.join(","));
    }
    let listing = Listing::<AuthzDivisionView>::new(
        entities,
        page,
        matching.len(),
        "/api/v2/authorization/divisions",
        &extra.finish(),
    );
    Ok(Json(listing).into_response())
}

/// `GET /api/v2/authorization/divisions/home`.
pub async fn home(State(state): State<Arc<SimState>>) -> Result<Response, ApiError> {
    let home = state
        .org
        .divisions
        .all()
        .iter()
        .find(|d| d.home)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(AuthzDivisionView::new(home)).into_response())
}
