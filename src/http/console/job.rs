//! `GET /orgs/{org}/jobs/{id}`: one job, its reasons for being held and its plan, who loses
//! what first; and `POST …/approve|reject`, deciding a held job as `POST /v1/jobs/{id}/…`
//! does, with an ingest token, recorded as that token's name.

use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use super::form::checked;
use super::overview::reasons;
use super::page::{error_page, page, see_other, stamp, Chrome};
use super::plan_view::{plan_view, PlanView};
use super::{org_page, OrgPage};
use crate::http::auth::identify;
use crate::http::error::ApiError;
use crate::http::jobs::decide_to_the_end;
use crate::http::orgs::Orgs;
use crate::http::session::TokenKind;
use crate::http::views::Job;
use crate::store::Decision;

/// The job page.
#[derive(Template)]
#[template(path = "console/job.html")]
struct JobPage {
    chrome: Chrome,
    org: String,
    job: Job,
    created_at: String,
    started_at: String,
    finished_at: String,
    /// Why it is (or was) held.
    reasons: Vec<String>,
    /// Work items by state.
    progress: Vec<(String, i64)>,
    plan: Option<PlanView>,
    /// The job waits for a decision.
    held: bool,
    /// The ingest token the viewer signed in with, deciding without being given again; empty
    /// when the form asks for one.
    decider: String,
}

fn job_path(org: &str, id: i64) -> String {
    format!("/orgs/{org}/jobs/{id}")
}

/// `GET /orgs/{org}/jobs/{id}`.
pub async fn show(
    State(orgs): State<Arc<Orgs>>,
    Path((org, id)): Path<(String, i64)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let OrgPage {
        viewer,
        api,
        chrome,
    } = match org_page(&orgs, &headers, &uri, &org) {
        Ok(page) => page,
        Err(refused) => return Ok(refused),
    };
    let Some(record) = api.store.job(id).await? else {
        let message = format!("Org {org} has no job {id}.");
        return Ok(error_page(
            &headers,
            StatusCode::NOT_FOUND,
            &chrome,
            ("No such job", &message, "/"),
        ));
    };
    let job = Job::from(&record);
    let template = JobPage {
        org: api.org.clone(),
        created_at: stamp(job.created_at),
        started_at: job.started_at.map(stamp).unwrap_or_default(),
        finished_at: job.finished_at.map(stamp).unwrap_or_default(),
        reasons: reasons(record.held_reasons.clone()),
        progress: api.store.work_counts(id).await?,
        plan: plan_view(record.plan.as_ref()),
        held: job.status == "held",
        decider: viewer.decider_for(&api.org).unwrap_or_default().to_string(),
        job,
        chrome,
    };
    Ok(page(&headers, StatusCode::OK, &template.chrome, &template))
}

/// `POST /orgs/{org}/jobs/{id}/approve`.
pub async fn approve(
    orgs: State<Arc<Orgs>>,
    path: Path<(String, i64)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    decide(orgs, path, headers, uri, body, Decision::Approve).await
}

/// `POST /orgs/{org}/jobs/{id}/reject`.
pub async fn reject(
    orgs: State<Arc<Orgs>>,
    path: Path<(String, i64)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    decide(orgs, path, headers, uri, body, Decision::Reject).await
}

/// Checks the form's CSRF token, finds the ingest token deciding (the signed-in one, or the
/// one the form gives), decides, and returns to the job page, which shows the outcome.
async fn decide(
    State(orgs): State<Arc<Orgs>>,
    Path((org, id)): Path<(String, i64)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
    decision: Decision,
) -> Response {
    let OrgPage {
        viewer,
        api,
        chrome,
    } = match org_page(&orgs, &headers, &uri, &org) {
        Ok(page) => page,
        Err(refused) => return refused,
    };
    let back = job_path(&api.org, id);
    let form = match checked(&headers, &body, &chrome, &back) {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let refuse = |status, message: &str| {
        error_page(&headers, status, &chrome, ("Not decided", message, &back))
    };
    let by = match viewer.decider_for(&api.org) {
        Some(name) => name.to_string(),
        None => match form.get("token").and_then(|t| identify(orgs.server(), t)) {
            Some((TokenKind::Ingest, name, token)) if token.allows(&api.org) => name.to_string(),
            Some((TokenKind::Ingest, _, _)) => {
                let message = format!("That ingest token may not decide for org {}.", api.org);
                return refuse(StatusCode::FORBIDDEN, &message);
            }
            _ => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "Approving or rejecting needs a valid ingest token; nothing was decided.",
                )
            }
        },
    };
    match decide_to_the_end(api.clone(), id, by, decision).await {
        Ok(_) => see_other(&back),
        Err(e) => refuse(e.status(), e.message()),
    }
}
