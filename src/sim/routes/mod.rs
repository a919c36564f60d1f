//! The simulator's router: platform API routes behind faults, authentication and rate limits;
//! login behind faults only; `/sim/*` admin routes open. Every response is counted and correlated.

mod access;
pub(crate) mod admin;
mod assignments;
mod definitions;
mod divisions;
mod limits;
mod oauth;
mod presence;
mod skillgroups;
mod users;

use std::sync::Arc;

use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;

use super::error::ApiError;
use super::middleware::{authenticate, correlate, count, transient_faults};
use super::state::SimState;
use assignments::{self as a, Languages, Skills};
use definitions::handlers as d;

/// All simulator routes over `state`.
pub fn router(state: Arc<SimState>) -> Router {
    let api = Router::new()
        .route("/api/v2/users", get(users::list))
        .route("/api/v2/users/{id}", get(users::get).patch(users::patch))
        .route(
            "/api/v2/users/{id}/routingstatus",
            get(presence::routing_status),
        )
        .route(
            "/api/v2/workforcemanagement/adherence",
            get(presence::adherence),
        )
        .route(
            "/api/v2/users/{id}/routingskills",
            get(a::list::<Skills>).post(a::add::<Skills>),
        )
        .route(
            "/api/v2/users/{id}/routingskills/bulk",
            put(a::replace_bulk::<Skills>).patch(a::patch_bulk::<Skills>),
        )
        .route(
            "/api/v2/users/{id}/routingskills/{skill_id}",
            put(a::update::<Skills>).delete(a::remove::<Skills>),
        )
        .route(
            "/api/v2/users/{id}/routinglanguages",
            get(a::list::<Languages>).post(a::add::<Languages>),
        )
        .route(
            "/api/v2/users/{id}/routinglanguages/bulk",
            axum::routing::patch(a::patch_bulk::<Languages>),
        )
        .route(
            "/api/v2/users/{id}/routinglanguages/{language_id}",
            axum::routing::patch(a::update::<Languages>).delete(a::remove::<Languages>),
        )
        .route(
            "/api/v2/routing/skills",
            get(d::list_skills).post(d::create_skill),
        )
        .route(
            "/api/v2/routing/skills/{id}",
            get(d::get_skill)
                .patch(d::move_skill)
                .delete(d::delete_skill),
        )
        .route(
            "/api/v2/routing/skillgroups",
            get(skillgroups::list).post(skillgroups::create),
        )
        .route(
            "/api/v2/routing/skillgroups/{id}",
            get(skillgroups::get)
                .patch(skillgroups::patch)
                .delete(skillgroups::delete),
        )
        .route(
            "/api/v2/routing/skillgroups/{id}/members",
            get(skillgroups::list_members),
        )
        .route("/api/v2/authorization/divisions", get(divisions::list))
        .route("/api/v2/authorization/divisions/home", get(divisions::home))
        .route(
            "/api/v2/routing/languages",
            get(d::list_languages).post(d::create_language),
        )
        .route(
            "/api/v2/routing/languages/{id}",
            get(d::get_language).delete(d::delete_language),
        )
        .route(
            "/api/v2/organizations/limits/namespaces/{namespace}",
            get(limits::namespace),
        )
        .route_layer(from_fn_with_state(state.clone(), authenticate))
        .route_layer(from_fn_with_state(state.clone(), transient_faults));

    let login = Router::new()
        .route("/oauth/token", post(oauth::token))
        .route_layer(from_fn_with_state(state.clone(), transient_faults));

    let sim = Router::new()
        .route("/sim/stats", get(admin::stats))
        .route("/sim/stats/reset", post(admin::reset_stats))
        .route("/sim/faults", get(admin::faults).post(admin::set_faults))
        .route("/sim/tokens/revoke", post(admin::revoke_tokens))
        .route("/sim/users/{id}", get(admin::user))
        .route("/sim/users/{id}/skills", post(admin::change_skills))
        .route("/sim/users/{id}/division", post(admin::set_division))
        .route(
            "/sim/users/{id}/routingstatus",
            post(admin::set_routing_status),
        )
        .route("/sim/users/{id}/activity", post(admin::set_activity))
        .route("/sim/routingstatus", post(admin::set_routing_statuses));

    Router::new()
        .merge(api)
        .merge(login)
        .merge(sim)
        .fallback(|| async { ApiError::not_found().into_response() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed().into_response() })
        .layer(from_fn_with_state(state.clone(), count))
        .layer(from_fn(correlate))
        .with_state(state)
}
