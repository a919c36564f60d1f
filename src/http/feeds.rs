//! `POST /v1/feeds` (ingest) and `GET /v1/feeds[/{id}]`.

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::auth::{Reader, Writer};
use super::error::ApiError;
use super::views::{self, Feed};
use super::Api;
use super::Page;
use crate::domain::{FeedScope, SourceName};
use crate::feed::FeedFormat;
use crate::ingest::{ingest, IngestOutcome, IngestRequest};

/// Query of `POST /v1/feeds`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct IngestQuery {
    /// `partial` (default) or `snapshot`.
    scope: Option<String>,
    /// Source name recorded with the feed (default: the token's name): 1 to 64 letters, digits,
    /// `.`, `_` or `-`.
    source: Option<String>,
}

fn accepted_body(feed: &Feed, job_id: Option<i64>) -> serde_json::Value {
    serde_json::json!({
        "status": feed.status,
        "feed_id": feed.id,
        "job_id": job_id,
        "agents": feed.agents,
        "skills": feed.skills,
        "languages": feed.languages,
        "certifications": feed.certifications,
        "hash": feed.hash,
    })
}

fn rejected(feed: &Feed) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_feed",
        format!("feed {} rejected; the desired state is unchanged", feed.id),
    )
    .with_details(feed.errors.clone().unwrap_or_default())
}

/// The answer for a stored feed, also when replayed for an `Idempotency-Key`.
fn answer(feed: &Feed) -> Response {
    match feed.status.as_str() {
        "rejected" => rejected(feed).into_response(),
        "unchanged" => {
            let mut body = accepted_body(feed, None);
            body["message"] = "no change: identical to the desired state in force".into();
            (StatusCode::OK, Json(body)).into_response()
        }
        _ => (StatusCode::ACCEPTED, Json(accepted_body(feed, feed.job_id))).into_response(),
    }
}

/// Seconds a client is told to wait when every ingest slot is taken: about what a large feed
/// takes to be received and ingested.
const INGEST_RETRY_AFTER_SECS: u64 = 5;

/// The answer when `server.max_concurrent_ingests` feeds are already in progress. Refused at
/// once rather than queued: a queued request would hold its connection, and its sender (a WFM
/// export job) retries anyway.
fn too_many_ingests(ctx: &Api) -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "too_many_ingests",
        format!(
            "server.max_concurrent_ingests = {} feeds are being ingested; retry in {} seconds",
            ctx.server.max_concurrent_ingests, INGEST_RETRY_AFTER_SECS
        ),
    )
    .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(INGEST_RETRY_AFTER_SECS),
    );
    // The body is left unread: the connection cannot carry another request.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Ingest a feed.
#[utoipa::path(post, path = "/v1/feeds", tag = "feeds",
    params(IngestQuery, ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key")),
    request_body(content = String, content_type = "text/csv", description = "The feed as CSV, or as JSON with Content-Type application/json (docs/feeds.md)"),
    responses(
        (status = 202, description = "Accepted: a new desired-state version and the job applying it"),
        (status = 200, description = "Identical to the version in force: no job"),
        (status = 401, description = "Missing or wrong ingest token", body = super::error::ErrorBody),
        (status = 408, description = "Body not received within server.body_timeout_secs", body = super::error::ErrorBody),
        (status = 413, description = "Body over server.body_limit_mb", body = super::error::ErrorBody),
        (status = 415, description = "Neither text/csv nor application/json", body = super::error::ErrorBody),
        (status = 422, description = "Invalid feed: every row error in details", body = super::error::ErrorBody),
        (status = 503, description = "server.max_concurrent_ingests feeds in progress; retry after Retry-After seconds", body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn post_feed(
    State(ctx): State<Arc<Api>>,
    Writer(token): Writer,
    Query(query): Query<IngestQuery>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    // Taken before the body is read, and held until the feed is stored: the body and its
    // parsed rows are what fill memory.
    let Ok(_slot) = ctx.ingest_slots.clone().try_acquire_owned() else {
        return Ok(too_many_ingests(&ctx));
    };
    // Mapped here, refused in `ingest_request` in the order the checks always ran.
    let body = Bytes::from_request(request, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "the feed is larger than server.body_limit_mb = {} MB",
                    ctx.server.body_limit_mb
                ),
            )
        } else {
            ApiError::bad_request(format!("cannot read the body: {e}"))
        }
    });
    let request = ingest_request(&token, &query, &headers, body)?;
    match ingest(&ctx.intake, request).await {
        Ok(IngestOutcome::Accepted { feed, job_id }) => Ok((
            StatusCode::ACCEPTED,
            Json(accepted_body(&Feed::from(&feed), Some(job_id))),
        )
            .into_response()),
        Ok(IngestOutcome::Unchanged(feed) | IngestOutcome::Replayed(feed)) => {
            Ok(answer(&Feed::from(&feed)))
        }
        Ok(IngestOutcome::Rejected(feed)) => Err(rejected(&Feed::from(&feed))),
        Err(crate::ingest::IngestError::Store(e)) => Err(e.into()),
        Err(e @ crate::ingest::IngestError::KeyReused(_)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            e.to_string(),
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// Turns what a client sent to `POST /v1/feeds` into the request to ingest, or the client error
/// (4xx) that refuses it. Pure, so that the fuzz target and the property tests drive exactly what
/// the handler runs; `body` is the body as read, or the error reading it (e.g. over the limit).
pub fn ingest_request(
    token: &str,
    query: &IngestQuery,
    headers: &HeaderMap,
    body: Result<Bytes, ApiError>,
) -> Result<IngestRequest, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let format = match content_type.as_deref() {
        Some("text/csv") => FeedFormat::Csv,
        Some("application/json") => FeedFormat::Json,
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "Content-Type {} is not a feed format; send text/csv or application/json",
                    other.unwrap_or("(none)")
                ),
            ))
        }
    };
    let scope: FeedScope = query
        .scope
        .as_deref()
        .unwrap_or("partial")
        .parse()
        .map_err(|e: crate::domain::UnknownScope| ApiError::bad_request(e.to_string()))?;
    // It becomes a metrics label, a log field and a CSV cell: refused unless plain.
    let source = SourceName::parse(query.source.as_deref().unwrap_or(token))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let body = body?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().eq_ignore_ascii_case("identity"));
    if encoding.is_some() || body.starts_with(&[0x1f, 0x8b]) {
        // Else a gzip body would read as binary text and be refused as "UTF-16".
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "compressed bodies are not accepted; send the feed uncompressed",
        ));
    }
    // Scoped to the token (a key has no space): one sender cannot replay, or hide, another's.
    let idempotency_key = idempotency_key(headers)?.map(|key| format!("{token} {key}"));
    Ok(IngestRequest {
        body,
        source: source.into(),
        scope,
        format,
        idempotency_key,
    })
}

/// Feeds, newest first.
#[utoipa::path(get, path = "/v1/feeds", tag = "feeds", params(Page),
    responses((status = 200, description = "A page of feeds", body = [Feed])), security(("bearer" = [])))]
pub async fn list_feeds(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Query(page): Query<Page>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (feeds, total) = ctx.store.feeds(page.limit(), page.offset()).await?;
    let feeds: Vec<Feed> = views::all(&feeds);
    Ok(Json(serde_json::json!({ "feeds": feeds, "total": total })))
}

/// One feed, with its errors when it was rejected.
#[utoipa::path(get, path = "/v1/feeds/{id}", tag = "feeds", params(("id" = i64, Path, description = "Feed id")),
    responses((status = 200, body = Feed), (status = 404, body = super::error::ErrorBody)), security(("bearer" = [])))]
pub async fn get_feed(
    State(ctx): State<Arc<Api>>,
    _: Reader,
    Path(id): Path<i64>,
) -> Result<Json<Feed>, ApiError> {
    ctx.store
        .feed(id)
        .await?
        .map(|feed| Json(Feed::from(&feed)))
        .ok_or_else(|| ApiError::not_found(format!("feed {id}")))
}

/// The `Idempotency-Key`, if one was sent. An empty or unreadable key is refused, not ignored or
/// stored: an empty key shared by every request would replay the first feed for all of them.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    // `to_str` lets tabs and spaces through; a key is printable characters only.
    match value.to_str().map(str::trim) {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_string()))
        }
        _ => Err(ApiError::bad_request(
            "Idempotency-Key must be 1 to 255 visible ASCII characters; send none to have no key",
        )),
    }
}

/// `POST`/`GET /v1/feeds`, `GET /v1/feeds/{id}`; a POSTed body may be `body_limit` bytes.
pub fn router(body_limit: usize) -> Router<Arc<Api>> {
    Router::new()
        .route(
            "/feeds",
            post(post_feed)
                .layer(DefaultBodyLimit::max(body_limit))
                .get(list_feeds),
        )
        .route("/feeds/{id}", get(get_feed))
}
