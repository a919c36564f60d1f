//! `skillsync sim --platform cxone`: NICE CXone's access-key login, discovery, and the
//! `/inContactAPI/services/v{N}.0` agent-skill endpoints, over the same faults, rate limits,
//! lag, stats and `/sim/*` controls as the Genesys simulator.

mod admin;
mod auth;
mod errors;
mod org;
mod page;
mod reads;
mod skills;
mod wire;
mod writes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use rand::Rng;

use super::config::{SimConfig, DEFAULT_TOKEN_TTL};
use super::error::ApiError;
use super::middleware::{authenticate, count, transient_faults};
use super::org::Org;
use super::routes::admin as shared_admin;
use super::state::SimState;
use org::{Agent, CxOrg, Held};

/// CXone access tokens last an hour.
const CXONE_TOKEN_TTL: u64 = 3_600;

/// The CXone org next to the shared state (faults, tokens, stats).
#[derive(Debug)]
pub struct CxState {
    /// Faults, limiters, tokens, stats and the fixed configuration.
    pub shared: Arc<SimState>,
    /// Agents, skills and assignments.
    pub org: CxOrg,
}

impl CxState {
    /// A reader for API reads under the faults now in force.
    pub fn reader(&self) -> Reader {
        let faults = self.shared.faults();
        Reader {
            lag: Duration::from_millis(faults.lag_ms),
            probability: faults.lag_probability,
        }
    }

    /// The current lag setting, for writes.
    pub fn lag(&self) -> Duration {
        Duration::from_millis(self.shared.faults().lag_ms)
    }
}

/// Reads assignments as the API does: during the lag window after a write, possibly the old ones.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    lag: Duration,
    probability: f64,
}

impl Reader {
    /// The assignments of `agent` this read sees.
    pub fn read(&self, agent: &Agent) -> Vec<Held> {
        let stale = !self.lag.is_zero() && rand::rng().random_bool(self.probability);
        agent
            .data
            .lock()
            .read(Instant::now(), self.lag, stale)
            .clone()
    }
}

/// 404 unless the `{version}` segment is `v{N}.0`.
async fn check_version(req: Request, next: Next) -> Response {
    let version = req
        .uri()
        .path()
        .strip_prefix("/inContactAPI/services/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    let valid = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        return ApiError::not_found().into_response();
    }
    next.run(req).await
}

/// All CXone routes for `config`.
pub fn router(mut config: SimConfig) -> Router {
    if config.token_ttl == DEFAULT_TOKEN_TTL {
        config.token_ttl = CXONE_TOKEN_TTL;
    }
    let org = CxOrg::generate(&config);
    let shared = Arc::new(SimState::with_org(config, Org::empty()));
    let state = Arc::new(CxState {
        shared: shared.clone(),
        org,
    });

    let api = Router::new()
        .route(
            "/inContactAPI/services/{version}/agents",
            get(reads::agents),
        )
        .route(
            "/inContactAPI/services/{version}/skills",
            get(reads::skills),
        )
        .route(
            "/inContactAPI/services/{version}/skills/{skill_id}",
            get(skills::one).put(skills::modify),
        )
        .route(
            "/inContactAPI/services/{version}/agents/skills",
            get(reads::assignments),
        )
        .route(
            "/inContactAPI/services/{version}/agents/{agent_id}/skills",
            get(reads::agent_skills)
                .post(writes::agent_add)
                .put(writes::agent_modify)
                .delete(writes::agent_remove),
        )
        .route(
            "/inContactAPI/services/{version}/skills/{skill_id}/agents",
            get(reads::skill_agents)
                .post(writes::skill_add)
                .put(writes::skill_modify),
        )
        .route(
            "/inContactAPI/services/{version}/skills/{skill_id}/agents/{agent_id}",
            delete(writes::skill_remove),
        )
        .with_state(state.clone())
        .route_layer(from_fn(check_version))
        .route_layer(from_fn_with_state(shared.clone(), authenticate))
        .route_layer(from_fn_with_state(shared.clone(), transient_faults));

    let login = Router::new()
        .route("/authentication/v1/token/access-key", post(auth::token))
        .route("/.well-known/cxone-configuration", get(auth::discovery))
        .with_state(state.clone())
        .route_layer(from_fn_with_state(shared.clone(), transient_faults));

    let sim_shared = Router::new()
        .route("/sim/stats", get(shared_admin::stats))
        .route("/sim/stats/reset", post(shared_admin::reset_stats))
        .route(
            "/sim/faults",
            get(shared_admin::faults).post(shared_admin::set_faults),
        )
        .route("/sim/tokens/revoke", post(shared_admin::revoke_tokens))
        .with_state(shared.clone());

    let sim_cxone = Router::new()
        .route("/sim/users", get(admin::users))
        .route("/sim/users/{id}", get(admin::truth))
        .route("/sim/users/{id}/skills", post(admin::change_skills))
        .with_state(state);

    Router::new()
        .merge(api)
        .merge(login)
        .merge(sim_shared)
        .merge(sim_cxone)
        .fallback(|| async { ApiError::not_found().into_response() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed().into_response() })
        .layer(from_fn_with_state(shared, count))
        .layer(from_fn(errors::render_errors))
}
