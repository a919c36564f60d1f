//! The agent page, `GET /orgs/{org}/agents/{key}`, and the lookup form's target,
//! `GET /orgs/{org}/agents?key=`, which sends the browser on to the page.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::agent_data::{agent_data, AgentData, AUDIT_ROWS};
use super::page::{error_page, page, see_other, Chrome};
use super::{org_page, OrgPage};
use crate::http::error::ApiError;
use crate::http::orgs::Orgs;

/// The agent page.
#[derive(Template)]
#[template(path = "console/agent.html")]
struct AgentPage {
    chrome: Chrome,
    /// The org's name.
    org: String,
    /// What the page shows.
    agent: AgentData,
    /// How many audit rows it lists at most.
    audit_rows: i64,
}

/// `key` as a path segment: every byte but the unreserved ones escaped.
pub(super) fn segment(key: &str) -> String {
    // `byte_serialize` writes a space as `+`, which a path would read as a plus sign.
    form_urlencoded::byte_serialize(key.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `GET /orgs/{org}/agents/{key}`: one agent, by feed key or platform user id.
pub(super) async fn agent(
    State(orgs): State<Arc<Orgs>>,
    Path((org, key)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let OrgPage { api, chrome, .. } = match org_page(&orgs, &headers, &uri, &org) {
        Ok(page) => page,
        Err(refused) => return Ok(refused),
    };
    let key = crate::http::normalized_key(api, &key);
    let Some(agent) = agent_data(api, &key, Utc::now()).await? else {
        return Ok(error_page(
            &headers,
            StatusCode::NOT_FOUND,
            &chrome,
            (
                "No such agent",
                &format!(
                    "Org {org} has no agent {key:?}: no feed in force lists it and no scan has \
                     observed a user with that key or id."
                ),
                &format!("/orgs/{}/feeds", segment(&org)),
            ),
        ));
    };
    let template = AgentPage {
        chrome,
        org,
        agent,
        audit_rows: AUDIT_ROWS,
    };
    Ok(page(&headers, StatusCode::OK, &template.chrome, &template))
}

/// Query of the lookup form.
#[derive(Debug, Deserialize)]
pub(super) struct Lookup {
    /// Feed key or user id as typed.
    key: Option<String>,
}

/// `GET /orgs/{org}/agents?key=`: the lookup form's answer, a redirect to the agent's page.
pub(super) async fn lookup(
    State(orgs): State<Arc<Orgs>>,
    Path(org): Path<String>,
    Query(lookup): Query<Lookup>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let chrome = match org_page(&orgs, &headers, &uri, &org) {
        Ok(page) => page.chrome,
        Err(refused) => return Ok(refused),
    };
    let key = lookup.key.as_deref().map(str::trim).unwrap_or_default();
    if key.is_empty() {
        return Ok(error_page(
            &headers,
            StatusCode::BAD_REQUEST,
            &chrome,
            (
                "No agent given",
                "Type an agent's feed key (email or employee id) or platform user id.",
                &format!("/orgs/{}/feeds", segment(&org)),
            ),
        ));
    }
    let location = format!("/orgs/{}/agents/{}", segment(&org), segment(key));
    Ok(see_other(&location))
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn a_key_becomes_one_path_segment() {
        assert_eq!(segment("a.b@example.com"), "a.b%40example.com");
        assert_eq!(segment("x/y z+w"), "x%2Fy%20z%2Bw");
        assert_eq!(segment("<é>"), "%3C%C3%A9%3E");
    }
}
