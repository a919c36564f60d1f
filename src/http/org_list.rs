//! `GET /v1/orgs`: each org the token may read, its platform, the replica leading it, its
//! newest job and its drift totals, so that one look shows whether every org is being worked.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::auth::read_access;
use super::error::ApiError;
use super::orgs::Orgs;
use super::views::{DriftTotals, Job};
use super::Api;
use crate::store::DriftFilter;

/// The newest job of an org.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LastJob {
    /// Id.
    pub id: i64,
    /// What started it (`feed`, `schedule`, `manual`, …).
    pub trigger: String,
    /// `queued`, `running`, `succeeded`, `failed`, …
    pub status: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// One org as `GET /v1/orgs` shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    /// The name in `/v1/orgs/{org}/…`.
    pub name: String,
    /// `platform.kind`: `genesys` or `cxone`.
    pub platform: String,
    /// The replica holding the org's lease; null when no lease is in force.
    pub leader: Option<String>,
    /// The newest job; null before the first.
    pub last_job: Option<LastJob>,
    /// Drift totals, as `GET /v1/orgs/{org}/drift` shows them.
    pub drift: DriftTotals,
}

/// The answer of `GET /v1/orgs`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgList {
    /// The orgs the token may read, in configuration order.
    pub orgs: Vec<OrgView>,
}

/// The orgs the token may read.
#[utoipa::path(get, path = "/v1/orgs", tag = "orgs",
    responses((status = 200, body = OrgList), (status = 401, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_orgs(
    State(orgs): State<Arc<Orgs>>,
    headers: HeaderMap,
) -> Result<Json<OrgList>, ApiError> {
    let access = read_access(&headers, orgs.server())?;
    let readable: Vec<&Arc<Api>> = orgs
        .all()
        .iter()
        .filter(|a| access.allows(&a.org))
        .collect();
    let Some(first) = readable.first() else {
        return Ok(Json(OrgList { orgs: Vec::new() }));
    };
    // The lease table is the process's, not an org's: one read serves every org.
    let leases = first.store.org_leases().await?;
    let now = Utc::now();
    let mut views = Vec::with_capacity(readable.len());
    for api in readable {
        let leader = leases
            .iter()
            .find(|l| l.org == api.org)
            .and_then(|l| l.holder_at(now))
            .map(str::to_string);
        views.push(OrgView {
            name: api.org.clone(),
            platform: api.platform.kind().to_string(),
            leader,
            last_job: last_job(api).await?,
            drift: drift_totals(api).await?,
        });
    }
    Ok(Json(OrgList { orgs: views }))
}

async fn last_job(api: &Api) -> Result<Option<LastJob>, ApiError> {
    let (jobs, _) = api.store.jobs(None, 1, 0).await?;
    Ok(jobs.first().map(Job::from).map(|job| LastJob {
        id: job.id,
        trigger: job.trigger,
        status: job.status,
        created_at: job.created_at,
        finished_at: job.finished_at,
    }))
}

async fn drift_totals(api: &Api) -> Result<DriftTotals, ApiError> {
    let filter = DriftFilter {
        name: None,
        state: None,
        limit: 1,
        offset: 0,
    };
    Ok(DriftTotals::from(&api.store.drift(&filter).await?.summary))
}
