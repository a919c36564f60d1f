//! `GET /healthz` (the process answers) and `GET /readyz` (database reachable, migrations
//! applied, every org's platform token obtainable).

use axum::routing::get;
use axum::Router;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::orgs::Orgs;
use crate::platform::Platform;

/// Alive.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "The process answers")))]
pub async fn healthz() -> Response {
    (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response()
}

/// Ready to work: the database answers with migrations applied, and every org's platform gives
/// a token. `checks.platform_token` is every org's together; `orgs` names each org's own.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "Ready"), (status = 503, description = "Not ready; the failing checks are named")))]
pub async fn readyz(State(orgs): State<Arc<Orgs>>) -> Response {
    // One database serves every org: checking it once is checking it for all.
    let database = match orgs.all()[0].store.ready().await {
        Ok(true) => Ok(()),
        Ok(false) => Err("migrations are not applied".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let probes = futures::future::join_all(orgs.all().iter().map(|api| async move {
        let probe = api.platform.check_credentials().await;
        (api.org.clone(), probe.map_err(|e| e.to_string()))
    }))
    .await;
    let check = |r: &Result<(), String>| match r {
        Ok(()) => serde_json::json!({"ok": true}),
        Err(e) => serde_json::json!({"ok": false, "error": e}),
    };
    let failing: Vec<String> = probes
        .iter()
        .filter_map(|(org, r)| r.as_ref().err().map(|e| format!("{org}: {e}")))
        .collect();
    let platform = if failing.is_empty() {
        Ok(())
    } else if probes.len() == 1 {
        Err(probes[0].1.clone().err().unwrap_or_default())
    } else {
        Err(failing.join("; "))
    };
    let per_org: serde_json::Map<String, serde_json::Value> = probes
        .iter()
        .map(|(org, r)| {
            (
                org.clone(),
                serde_json::json!({ "platform_token": check(r) }),
            )
        })
        .collect();
    let ready = database.is_ok() && platform.is_ok();
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": { "database": check(&database), "platform_token": check(&platform) },
        "orgs": per_org,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /healthz`, `GET /readyz`.
pub fn router() -> Router<Arc<Orgs>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}
