//! Reading live state cheaply: users in the largest pages with every expansion, then — because
//! expansion is best effort — the users that came back without it re-read one by one. The
//! routing status rides along on the same pages for free; it never decides a re-read. It never
//! writes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::Method;

use super::api::Http;
use super::calls;
use super::wire::{Listing, RoutingStatusBody, User, UserAssignment};
use crate::domain::{LiveAgent, Name, Proficiency, Routing};
use crate::platform::transport::Call;
use crate::platform::{CallKind, PlatformError};

/// Every read of a user asks for these; `routingStatus` costs no extra call this way.
const EXPAND: &str = "skills,languages,certifications,employerInfo,routingStatus";
/// Ids per `GET /api/v2/users?id=…` call; keeps the URL well under common limits.
pub const IDS_PER_CALL: usize = 100;

/// Reads users for the connector.
pub struct Reader<'a> {
    /// The HTTP layer.
    pub transport: &'a Http,
    /// `pageSize` for user listings.
    pub page_size: u32,
    /// Calls in flight at once.
    pub concurrency: usize,
}

impl Reader<'_> {
    async fn users_page(&self, query: &str) -> Result<Listing<User>, PlatformError> {
        let path = format!("/api/v2/users?expand={EXPAND}&state=active&{query}");
        self.transport
            .json::<_, ()>(Call {
                kind: calls::LIST_USERS,
                method: Method::GET,
                path: &path,
                body: None,
            })
            .await
    }

    /// Every active user.
    pub async fn all(&self) -> Result<Vec<LiveAgent>, PlatformError> {
        let size = self.page_size;
        let first = self
            .users_page(&format!("pageSize={size}&pageNumber=1"))
            .await?;
        let mut users = first.entities;
        match first.page_count {
            Some(pages) if pages > 1 => {
                let rest: Vec<Listing<User>> = stream::iter(2..=pages)
                    .map(|n| self.users_page_owned(format!("pageSize={size}&pageNumber={n}")))
                    .buffered(self.concurrency)
                    .try_collect()
                    .await?;
                users.extend(rest.into_iter().flat_map(|l| l.entities));
            }
            Some(_) => {}
            None => {
                // Without a page count, walk the links.
                let mut next = first.next_uri;
                let mut n = 1;
                while next.is_some() {
                    n += 1;
                    let page = self
                        .users_page(&format!("pageSize={size}&pageNumber={n}"))
                        .await?;
                    next = page.next_uri;
                    if page.entities.is_empty() {
                        break;
                    }
                    users.extend(page.entities);
                }
            }
        }
        // Paging while others write can repeat a user across pages.
        let mut seen = HashSet::new();
        users.retain(|u| seen.insert(u.id.clone()));
        self.complete(users).await
    }

    async fn users_page_owned(&self, query: String) -> Result<Listing<User>, PlatformError> {
        self.users_page(&query).await
    }

    /// The given users, `IDS_PER_CALL` a call.
    pub async fn by_ids(&self, ids: &[String]) -> Result<Vec<LiveAgent>, PlatformError> {
        let queries: Vec<String> = ids
            .chunks(IDS_PER_CALL)
            .map(|chunk| format!("pageSize={}&id={}", chunk.len(), chunk.join(",")))
            .collect();
        let pages: Vec<Listing<User>> = stream::iter(queries)
            .map(|query| self.users_page_owned(query))
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        self.complete(pages.into_iter().flat_map(|l| l.entities).collect())
            .await
    }

    /// Fills in users whose expansions are missing, then converts everyone.
    async fn complete(&self, users: Vec<User>) -> Result<Vec<LiveAgent>, PlatformError> {
        stream::iter(users)
            .map(|user| async move {
                if expansion_missing(&user) {
                    self.reread(user).await
                } else {
                    Ok(live_agent(user, false))
                }
            })
            .buffered(self.concurrency)
            .try_collect()
            .await
    }

    /// One user through the per-user endpoints.
    async fn reread(&self, user: User) -> Result<LiveAgent, PlatformError> {
        let path = format!("/api/v2/users/{}?expand={EXPAND}", user.id);
        let mut fresh: User = self
            .transport
            .json::<_, ()>(Call {
                kind: calls::GET_USER,
                method: Method::GET,
                path: &path,
                body: None,
            })
            .await?;
        let incomplete = expansion_missing(&fresh);
        if incomplete {
            tracing::warn!(
                user_id = %user.id,
                "the platform left out this user's expanded fields twice; its certifications and \
                 employee id are unknown, so neither is planned on this time"
            );
            fresh.skills = Some(
                self.assignments(&user.id, "routingskills", calls::GET_USER_SKILLS)
                    .await?,
            );
            fresh.languages = Some(
                self.assignments(&user.id, "routinglanguages", calls::GET_USER_LANGUAGES)
                    .await?,
            );
        }
        // The platform drops expansions together, so a listing that lacked the lists lacked
        // this too; keeping the listing's value is only a guard against a partial answer.
        if fresh.routing_status.is_none() {
            fresh.routing_status = user.routing_status;
        }
        Ok(live_agent(fresh, incomplete))
    }

    async fn assignments(
        &self,
        user_id: &str,
        segment: &str,
        kind: CallKind,
    ) -> Result<Vec<UserAssignment>, PlatformError> {
        const PAGE: usize = 100;
        let mut all = Vec::new();
        for page in 1.. {
            let path =
                format!("/api/v2/users/{user_id}/{segment}?pageSize={PAGE}&pageNumber={page}");
            let listing: Listing<UserAssignment> = self
                .transport
                .json::<_, ()>(Call {
                    kind,
                    method: Method::GET,
                    path: &path,
                    body: None,
                })
                .await?;
            let last = listing.entities.len() < PAGE || listing.next_uri.is_none();
            all.extend(listing.entities);
            if last {
                break;
            }
        }
        Ok(all)
    }
}

/// The platform drops every expansion of a user together; a single absent list may only mean
/// "empty", which is why all three must be missing. `routingStatus` is deliberately not looked
/// at: it is best effort on its own, and a re-read per user to learn it would multiply the cost
/// of a scan.
fn expansion_missing(user: &User) -> bool {
    user.skills.is_none() && user.languages.is_none() && user.certifications.is_none()
}

fn rated(items: Option<Vec<UserAssignment>>, user_id: &str) -> BTreeMap<Name, Proficiency> {
    items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| {
            let name = a.name.as_deref().and_then(|n| Name::parse(n).ok());
            if name.is_none() {
                tracing::warn!(
                    user_id,
                    assignment = a.id,
                    "assignment without a usable name ignored"
                );
            }
            let value = a.proficiency.unwrap_or(0.0).clamp(0.0, 5.0);
            Some((
                name?,
                Proficiency::nearest(value).unwrap_or(Proficiency::MIN),
            ))
        })
        .collect()
}

/// The expansion as a [`Routing`]; `None` for a status this build does not know, so that a new
/// platform status reads as "unknown" rather than as some other state. An unreadable start
/// time only loses `since`.
fn routing(body: Option<RoutingStatusBody>, user_id: &str) -> Option<Routing> {
    let body = body?;
    let raw = body.status?;
    let status = match raw.parse() {
        Ok(status) => status,
        Err(_) => {
            tracing::debug!(user_id, status = %raw, "unknown routing status ignored");
            return None;
        }
    };
    let since = body
        .start_time
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    Some(Routing { status, since })
}

fn live_agent(user: User, incomplete: bool) -> LiveAgent {
    LiveAgent {
        skills: rated(user.skills, &user.id),
        languages: rated(user.languages, &user.id),
        certifications: user
            .certifications
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        email: user.email,
        employee_id: user.employer_info.and_then(|e| e.employee_id),
        version: user.version.unwrap_or(0),
        routing: routing(user.routing_status, &user.id),
        division: user.division.map(|d| d.name),
        user_id: user.id,
        incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RoutingStatus;

    fn user(json: serde_json::Value) -> User {
        serde_json::from_value(json).expect("a user")
    }

    #[test]
    fn the_routing_expansion_becomes_the_agents_routing() {
        let agent = live_agent(
            user(serde_json::json!({
                "id": "u1",
                "skills": [], "languages": [], "certifications": [],
                "routingStatus": {"userId": "u1", "status": "INTERACTING",
                                  "startTime": "2024-05-01T10:00:00.000Z"},
            })),
            false,
        );
        let routing = agent.routing.expect("routing");
        assert_eq!(routing.status, RoutingStatus::Interacting);
        assert_eq!(
            routing.since.map(|t| t.to_rfc3339()),
            Some("2024-05-01T10:00:00+00:00".into())
        );
    }

    #[test]
    fn an_unknown_or_missing_routing_status_is_none_and_a_bad_time_only_loses_since() {
        let routing_of = |routing: serde_json::Value| {
            live_agent(
                user(serde_json::json!({"id": "u1", "routingStatus": routing})),
                false,
            )
            .routing
        };
        assert_eq!(routing_of(serde_json::json!({"status": "ON_BREAK"})), None);
        assert_eq!(routing_of(serde_json::json!({})), None);
        assert_eq!(routing_of(serde_json::Value::Null), None);
        let no_time = routing_of(serde_json::json!({"status": "IDLE", "startTime": "yesterday"}));
        assert_eq!(
            no_time,
            Some(Routing {
                status: RoutingStatus::Idle,
                since: None
            })
        );
    }

    #[test]
    fn a_missing_routing_expansion_never_asks_for_a_re_read() {
        let lists_without_routing =
            user(serde_json::json!({"id": "u1", "skills": [], "languages": []}));
        assert!(!expansion_missing(&lists_without_routing));
        let routing_without_lists = user(serde_json::json!({
            "id": "u1", "routingStatus": {"status": "IDLE"},
        }));
        assert!(
            expansion_missing(&routing_without_lists),
            "only the lists decide a re-read"
        );
    }
}
