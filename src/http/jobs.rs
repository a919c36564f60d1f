//! `GET /v1/jobs[/{id}]`, `POST /v1/jobs/{id}/approve|reject`, `POST /v1/reconcile`.

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::auth::{Reader, Writer};
use super::error::ApiError;
use super::views::{self, Job, WorkItemView};
use super::Api;
use super::Page;
use crate::store::{Decision, JobRecord, Trigger};

/// Query of `GET /v1/jobs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct JobsQuery {
    /// Only jobs in this status (queued, approved, running, held, succeeded, failed, rejected, superseded, waiting_window).
    status: Option<String>,
    /// Page size.
    limit: Option<i64>,
    /// Offset.
    offset: Option<i64>,
}

/// Jobs, newest first.
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(JobsQuery),
    responses((status = 200, description = "A page of jobs", body = [Job])), security(("bearer" = [])))]
pub async fn list_jobs(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Query(q): Query<JobsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    };
    let (jobs, total) = ctx
        .store
        .jobs(q.status.as_deref(), page.limit(), page.offset())
        .await?;
    let jobs: Vec<Job> = views::all(&jobs);
    Ok(Json(serde_json::json!({ "jobs": jobs, "total": total })))
}

/// One job: its plan, progress by item state, and a page of per-agent results.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path, description = "Job id"), Page),
    responses((status = 200, description = "The job"), (status = 404, body = super::error::ErrorBody)), security(("bearer" = [])))]
pub async fn get_job(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Path(id): Path<i64>,
    Query(page): Query<Page>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let job = ctx
        .store
        .job(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
    let progress: serde_json::Map<String, serde_json::Value> = ctx
        .store
        .work_counts(id)
        .await?
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    let items = ctx
        .store
        .work_items(id, page.limit(), page.offset())
        .await?;
    let items: Vec<WorkItemView> = views::all(&items);
    Ok(Json(
        serde_json::json!({ "job": Job::from(&job), "progress": progress, "agents": items }),
    ))
}

async fn decide(ctx: &Api, id: i64, by: String, decision: Decision) -> Result<JobRecord, ApiError> {
    // The job, its feeds and the audit row change in one transaction.
    let job = ctx.store.decide_held_job(id, &by, decision).await?;
    if job.trigger == Trigger::Feed {
        ctx.signals.certifications_changed.notify_one();
    }
    if decision == Decision::Approve {
        ctx.signals.wake.notify_one();
    }
    Ok(job)
}

/// Runs [`decide`] as its own task: a client that hangs up mid-request drops the handler, and
/// a decision committed but dropped before its signals would wait for the worker's next poll.
pub(super) async fn decide_to_the_end(
    ctx: Arc<Api>,
    id: i64,
    by: String,
    decision: Decision,
) -> Result<Json<Job>, ApiError> {
    let task = tokio::spawn(async move { decide(&ctx, id, by, decision).await });
    match task.await {
        Ok(decided) => decided.map(|job| Json(Job::from(&job))),
        Err(e) => Err(ApiError::internal(format!("deciding job {id}: {e}"))),
    }
}

/// Approve a held job: it runs next.
#[utoipa::path(post, path = "/v1/jobs/{id}/approve", tag = "jobs", params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = Job), (status = 409, description = "Not held", body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(ctx): State<Arc<Api>>,
    Writer(by): Writer,
    Path(id): Path<i64>,
) -> Result<Json<Job>, ApiError> {
    decide_to_the_end(ctx, id, by, Decision::Approve).await
}

/// Reject a held job; a feed that triggered it is withdrawn and the previous desired state restored.
#[utoipa::path(post, path = "/v1/jobs/{id}/reject", tag = "jobs", params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = Job), (status = 409, description = "Not held", body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject(
    State(ctx): State<Arc<Api>>,
    Writer(by): Writer,
    Path(id): Path<i64>,
) -> Result<Json<Job>, ApiError> {
    decide_to_the_end(ctx, id, by, Decision::Reject).await
}

/// Body of `POST /v1/reconcile`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileRequest {
    /// One agent (feed key or user id); absent = everyone.
    agent: Option<String>,
    /// Only the agents the platform reports changed since the last scan (a job with trigger
    /// `incremental_scan`); everyone when the platform cannot list changes. Not with `agent`.
    #[serde(default)]
    incremental: bool,
}

/// Start a run now (coalesced with a queued one): everyone, one agent, or (`incremental`) the
/// agents changed since the last scan.
#[utoipa::path(post, path = "/v1/reconcile", tag = "jobs", request_body(content = Option<ReconcileRequest>),
    responses((status = 202, description = "Queued: {job_id}")), security(("bearer" = [])))]
pub async fn reconcile(
    State(ctx): State<Arc<Api>>,
    Writer(_): Writer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let request = reconcile_request(content_type, &body)?;
    let trigger = if request.incremental {
        Trigger::IncrementalScan
    } else {
        Trigger::Manual
    };
    let agent = match request.agent {
        None => None,
        Some(raw) if raw.chars().any(char::is_control) || raw.chars().count() > 255 => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "agent: an agent key or user id has at most 255 characters and no control \
                 characters",
            ));
        }
        Some(raw) => {
            let key = super::normalized_key(&ctx, &raw);
            let known = ctx.store.agent(&key).await?.is_some()
                || ctx.store.desired_for(&key).await?.is_some();
            if !known {
                return Err(ApiError::not_found(format!(
                    "agent {raw:?} (no platform user observed with this key or user id, and none in the desired state)"
                )));
            }
            Some(key)
        }
    };
    let job = ctx
        .store
        .enqueue_job(trigger, None, agent.as_deref())
        .await?;
    ctx.signals.job_queued(job.urgent);
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "job_id": job.id, "agent": job.agent })),
    )
        .into_response())
}

/// An empty body means everyone. Anything else must be the documented object, because a
/// misspelt field read as "no agent" would start a run for everyone.
fn reconcile_request(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<ReconcileRequest, ApiError> {
    if body.trim_ascii().is_empty() {
        return Ok(ReconcileRequest::default());
    }
    if content_type.is_some_and(|t| !t.trim_start().starts_with("application/json")) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "a body must be sent as Content-Type: application/json",
        ));
    }
    let shape = |status, code, cause: &dyn std::fmt::Display| {
        ApiError::new(
            status,
            code,
            format!(
                "the body must be empty or a JSON object like {{\"agent\": \"agent00001@example.com\"}}: {cause}"
            ),
        )
    };
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| shape(StatusCode::BAD_REQUEST, "bad_request", &e))?;
    // serde would read a struct from an array too; only the object is documented.
    if !value.is_object() {
        return Err(shape(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            &"not an object",
        ));
    }
    let request: ReconcileRequest = serde_json::from_value(value)
        .map_err(|e| shape(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", &e))?;
    if request.incremental && request.agent.is_some() {
        // Which one was meant is unknown: a one-agent run reads that agent whatever changed.
        return Err(shape(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            &"agent and incremental exclude each other",
        ));
    }
    Ok(request)
}

/// `/v1/jobs…` and `POST /v1/reconcile`.
pub fn router() -> Router<Arc<Api>> {
    Router::new()
        .route("/jobs", get(list_jobs))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/approve", post(approve))
        .route("/jobs/{id}/reject", post(reject))
        // The one body is `{"agent": …}` with at most 255 characters: axum's default of 2 MB
        // would let every request make the server buffer a thousand times that.
        .route(
            "/reconcile",
            post(reconcile).layer(DefaultBodyLimit::max(RECONCILE_BODY_LIMIT)),
        )
}

/// Largest `POST /v1/reconcile` body, in bytes.
const RECONCILE_BODY_LIMIT: usize = 16 * 1024;

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::reconcile_request;

    const JSON: Option<&str> = Some("application/json");

    fn refusal(content_type: Option<&str>, body: &[u8]) -> Option<(StatusCode, String)> {
        reconcile_request(content_type, body)
            .err()
            .map(|e| (e.status(), format!("{e:?}")))
    }

    #[test]
    fn an_empty_body_means_everyone_whatever_its_type() {
        for (content_type, body) in [
            (None, &b""[..]),
            (Some("application/x-www-form-urlencoded"), b"  \n"),
            (JSON, b"{}"),
            (None, b"{}"),
        ] {
            let agent = reconcile_request(content_type, body).map(|r| r.agent);
            assert_eq!(agent.ok(), Some(None), "{content_type:?} {body:?}");
        }
    }

    #[test]
    fn one_agent_is_read_from_the_object() {
        let request = reconcile_request(JSON, br#"{"agent": "a@example.com"}"#).ok();
        assert_eq!(
            request.and_then(|r| r.agent).as_deref(),
            Some("a@example.com")
        );
    }

    #[test]
    fn a_misspelt_field_or_another_shape_is_refused_not_read_as_everyone() {
        for body in [
            &br#"{"agnet": "a@example.com"}"#[..],
            br#"["a@example.com"]"#,
            br#"{"agent": 5}"#,
        ] {
            for content_type in [JSON, None] {
                let refused = refusal(content_type, body);
                assert!(
                    refused.as_ref().is_some_and(|(status, message)| {
                        *status == StatusCode::UNPROCESSABLE_ENTITY
                            && message.contains("must be empty or a JSON object")
                    }),
                    "{refused:?}"
                );
            }
        }
        let refused = refusal(JSON, b"agent=a");
        assert_eq!(refused.map(|r| r.0), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn incremental_is_read_and_excludes_one_agent() {
        let request = reconcile_request(JSON, br#"{"incremental": true}"#).ok();
        assert_eq!(
            request.map(|r| (r.incremental, r.agent)),
            Some((true, None))
        );
        let refused = refusal(JSON, br#"{"incremental": true, "agent": "a@example.com"}"#);
        assert!(
            refused.as_ref().is_some_and(|(status, message)| {
                *status == StatusCode::UNPROCESSABLE_ENTITY && message.contains("exclude")
            }),
            "{refused:?}"
        );
        let refused = refusal(JSON, br#"{"incremental": "yes"}"#);
        assert_eq!(refused.map(|r| r.0), Some(StatusCode::UNPROCESSABLE_ENTITY));
    }

    #[test]
    fn a_body_of_another_type_is_refused() {
        let refused = refusal(Some("application/x-www-form-urlencoded"), b"agent=a");
        assert_eq!(
            refused.map(|r| r.0),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
    }
}
