//! The orgs one API serves, and their paths: each org's resources under `/v1/orgs/{org}/…`, and
//! under `/v1/…` the `default` org (or the only one), so that clients of one org need not
//! change. Each org's routes are built with that org's state, so a handler never has to find
//! out which org it serves.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::error::ApiError;
use super::Api;

use crate::domain::DEFAULT_ORG;

/// Why a set of orgs cannot be served.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OrgsError {
    /// No org at all.
    #[error("no org to serve")]
    Empty,
    /// Two states for one org name.
    #[error("org {0:?} is given twice")]
    Duplicate(String),
}

/// The orgs one API serves, each with its own state.
pub struct Orgs {
    apis: Vec<Arc<Api>>,
}

impl Orgs {
    /// The orgs `apis` serve (each `Api::org` once), in the order given.
    pub fn new(apis: Vec<Arc<Api>>) -> Result<Self, OrgsError> {
        if apis.is_empty() {
            return Err(OrgsError::Empty);
        }
        for (i, api) in apis.iter().enumerate() {
            if apis[..i].iter().any(|a| a.org == api.org) {
                return Err(OrgsError::Duplicate(api.org.clone()));
            }
        }
        Ok(Self { apis })
    }

    /// One org.
    pub fn single(api: Arc<Api>) -> Self {
        Self { apis: vec![api] }
    }

    /// Every org, in the order given.
    pub fn all(&self) -> &[Arc<Api>] {
        &self.apis
    }

    /// The org named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Api>> {
        self.apis.iter().find(|a| a.org == name)
    }

    /// The org `/v1/…` means: the one named `default`, or the only one.
    pub fn default_org(&self) -> Option<&Arc<Api>> {
        self.get(DEFAULT_ORG)
            .or_else(|| (self.apis.len() == 1).then(|| &self.apis[0]))
    }

    /// The settings every org shares: `[server]` is the process's, not an org's.
    pub(super) fn server(&self) -> &super::ServerSettings {
        &self.apis[0].server
    }
}

/// One org's resources, relative to its prefix, with its state.
fn resources(api: &Arc<Api>) -> Router<Arc<Orgs>> {
    let body_limit = api.server.body_limit_mb.saturating_mul(1024 * 1024);
    Router::new()
        .merge(super::feeds::router(body_limit))
        .merge(super::drift::router())
        .merge(super::jobs::router())
        .merge(super::audit::router())
        .merge(super::certifications::router())
        .merge(super::skills::router())
        .with_state(api.clone())
}

/// Every org's resources, `GET /v1/orgs`, and a 404 that says what was wrong: an unknown org,
/// or `/v1/…` when no org is the default.
pub(super) fn routes(orgs: Arc<Orgs>) -> Router {
    let mut router = Router::new().route("/v1/orgs", get(super::org_list::list_orgs));
    for api in orgs.all() {
        router = router.nest(&format!("/v1/orgs/{}", api.org), resources(api));
    }
    if let Some(api) = orgs.default_org() {
        router = router.nest("/v1", resources(api));
    }
    router
        .merge(super::health::router())
        .merge(super::openapi::router())
        .merge(super::console::router())
        .fallback(not_found)
        .with_state(orgs)
}

async fn not_found(State(orgs): State<Arc<Orgs>>, headers: HeaderMap, uri: Uri) -> Response {
    not_found_for(&orgs, &headers, uri.path()).into_response()
}

/// The 404 for `path`, which no route matched. Under `/v1/` it names orgs only to a request
/// that may read (401 otherwise, as for a known org), so that org names cannot be probed
/// without a token.
fn not_found_for(orgs: &Orgs, headers: &HeaderMap, path: &str) -> ApiError {
    if !path.starts_with("/v1/") {
        return ApiError::not_found("this endpoint");
    }
    let access = match super::auth::read_access(headers, orgs.server()) {
        Ok(access) => access,
        Err(refused) => return refused,
    };
    if let Some(rest) = path.strip_prefix("/v1/orgs/") {
        let org = rest.split('/').next().unwrap_or_default();
        if orgs.get(org).is_none() {
            return ApiError::not_found(format!("org {org:?}"));
        }
    } else if orgs.default_org().is_none() {
        let names: Vec<&str> = orgs
            .all()
            .iter()
            .map(|a| a.org.as_str())
            .filter(|org| access.allows(org))
            .collect();
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "several orgs are served and none is named {DEFAULT_ORG:?}: use \
                 /v1/orgs/{{org}}/… instead of /v1/… (orgs: {})",
                names.join(", ")
            ),
        );
    }
    ApiError::not_found("this endpoint")
}
