//! CXone's JSON: timestamps, assignment and agent records, paging links, error bodies.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::org::{Agent, CxOrg, Held};
use crate::sim::error::ApiError;
use crate::sim::extract::QueryParams;

/// ISO 8601 with milliseconds, as CXone writes times.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads an ISO 8601 time; one without an offset is taken as UTC.
pub fn parse_time(field: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| ApiError::invalid_value(field, format!("Invalid date [{raw}] for {field}.")))
}

/// `agentProficiencyName` (the platform's own names are unconfirmed).
pub fn proficiency_name(p: u8) -> String {
    format!("Level {p}")
}

/// One `agentSkillAssignments` entry.
pub fn assignment(org: &CxOrg, agent: &Agent, held: &Held) -> Value {
    let skill = org.skill(held.skill);
    json!({
        "agentId": agent.id,
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "skillId": held.skill,
        "skillName": skill.map(|s| s.name.as_str()),
        "mediaTypeId": skill.map(|s| s.media.id),
        "mediaTypeName": skill.map(|s| s.media.name),
        "agentProficiencyValue": held.proficiency,
        "agentProficiencyName": proficiency_name(held.proficiency),
        "isActive": held.active,
        "isSkillActive": true,
        "isAgentActive": true,
        "lastUpdateTime": time(held.updated),
    })
}

/// One `agents` entry.
pub fn agent(agent: &Agent) -> Value {
    json!({
        "agentId": agent.id,
        "userName": agent.email(),
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "emailAddress": agent.email(),
        "isActive": true,
        "internalId": agent.internal_id,
        "teamId": 1,
        "teamName": "Default Team",
        "custom1": "",
    })
}

/// `skip` (default 0) and `top` (default 100, at most `max`).
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Items to leave out.
    pub skip: usize,
    /// Items to give.
    pub top: usize,
}

impl Page {
    /// Reads `skip` and `top`.
    pub fn from_query(q: &QueryParams, max: u32) -> Result<Self, ApiError> {
        let skip = match q.get("skip") {
            None => 0,
            Some(raw) => raw.parse::<usize>().map_err(|_| {
                ApiError::invalid_value("skip", format!("Invalid value [{raw}] for skip."))
            })?,
        };
        Ok(Self {
            skip,
            top: q.positive("top", 100.min(max), max)? as usize,
        })
    }

    /// This page of `items`, rendered and wrapped as `{key: [...], totalRecords, _links}`; only
    /// the items on the page are rendered.
    pub fn wrap<T>(
        &self,
        key: &str,
        items: &[T],
        render: impl Fn(&T) -> Value,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Value {
        let total = items.len();
        let page: Vec<Value> = items
            .iter()
            .skip(self.skip)
            .take(self.top)
            .map(render)
            .collect();
        let next = (self.skip.saturating_add(self.top) < total)
            .then(|| self.link(headers, uri, self.skip + self.top));
        json!({
            key: page,
            "totalRecords": total,
            "_links": {"self": self.link(headers, uri, self.skip), "next": next, "previous": Value::Null},
        })
    }

    fn link(&self, headers: &HeaderMap, uri: &Uri, skip: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if k != "skip" && k != "top" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair("skip", &skip.to_string());
        query.append_pair("top", &self.top.to_string());
        format!("{}{}?{}", base_url(headers), uri.path(), query.finish())
    }
}

/// `http://host:port` as the client addressed us.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Renders [`ApiError`]s CXone-style: `{"error", "error_description", "message"}` (the
/// platform's error body is unconfirmed; the status and `Retry-After` are what clients act on).
pub async fn render_errors(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if let Some(err) = response.extensions_mut().remove::<ApiError>() {
        let body = err.body("");
        let out = json!({
            "error": body["code"],
            "error_description": body["message"],
            "message": body["message"],
        });
        *response.body_mut() = axum::body::Body::from(out.to_string());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}
