//! Reading live state cheaply: users in the largest pages with every expansion, then — because
//! expansion is best effort — the users that came back without it re-read one by one. It never
//! writes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::Method;

use super::api::Http;
use super::calls;
use super::wire::{Listing, User, UserAssignment};
use crate::domain::{LiveAgent, Name, Proficiency};
use crate::platform::transport::Call;
use crate::platform::{CallKind, PlatformError};

const EXPAND: &str = "skills,languages,certifications,employerInfo";
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
/// "empty", which is why all three must be missing.
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
        user_id: user.id,
        incomplete,
        routing: None,
    }
}
