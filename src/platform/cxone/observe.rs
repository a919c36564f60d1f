//! Reading a NICE CXone tenant: active agents, skill definitions, every agent–skill assignment
//! (grouped by agent) and the assignments changed since a poll time, by `skip`/`top` paging,
//! plus one agent's skills. Records stay CXone's own (ids, 1–20 proficiencies); converting them
//! is the connector's job. It never writes.

use std::collections::{BTreeMap, HashSet};

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::api::Http;
use super::calls;
use super::wire::{
    Agent, AgentSkillsReply, AgentsPage, Assignment, AssignmentsPage, CxoneId, Links, Skill,
    SkillsPage,
};
use crate::platform::transport::Call;
use crate::platform::{CallKind, PlatformError};

/// Every assignment of the tenant, by agent, in CXone's terms.
pub type AgentAssignments = BTreeMap<CxoneId, Vec<Assignment>>;

/// What changed since a poll time.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The changed assignment records (whether deletions are reported is unconfirmed).
    pub records: Vec<Assignment>,
    /// CXone's `lastPollTime` of the first page: the `updatedSince` of the next scan.
    pub last_poll_time: Option<String>,
}

/// A guard against a listing that never ends (a server ignoring `skip`).
const MAX_PAGES: u32 = 100_000;

/// One page of a listing, whatever its items are called.
trait Page: DeserializeOwned {
    type Item;
    fn parts(self) -> (Vec<Self::Item>, Option<u64>, Option<Links>, Option<String>);
}

impl Page for AgentsPage {
    type Item = Agent;
    fn parts(self) -> (Vec<Agent>, Option<u64>, Option<Links>, Option<String>) {
        (self.agents, self.total_records, self.links, None)
    }
}

impl Page for SkillsPage {
    type Item = Skill;
    fn parts(self) -> (Vec<Skill>, Option<u64>, Option<Links>, Option<String>) {
        (self.skills, self.total_records, self.links, None)
    }
}

impl Page for AssignmentsPage {
    type Item = Assignment;
    fn parts(self) -> (Vec<Assignment>, Option<u64>, Option<Links>, Option<String>) {
        (
            self.agent_skill_assignments,
            self.total_records,
            self.links,
            self.last_poll_time,
        )
    }
}

/// Whether to ask for the page after one that brought `got` items, `read` in all so far.
/// `totalRecords` decides when present; else `_links.next`; else a short page ends it, and so
/// does a page longer than `top` (a listing that does not page sent everything at once).
fn more(read: u64, got: usize, top: u32, total: Option<u64>, links: Option<&Links>) -> bool {
    if got == 0 {
        return false;
    }
    match (total, links) {
        (Some(total), _) => read < total,
        (None, Some(links)) => links.has_next(),
        (None, None) => got == top as usize,
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Reads for the connector.
pub struct Reader<'a> {
    /// The HTTP layer.
    pub transport: &'a Http,
    /// `top` of every listing.
    pub page_size: u32,
}

impl Reader<'_> {
    async fn get<T: DeserializeOwned>(
        &self,
        kind: CallKind,
        path: &str,
    ) -> Result<T, PlatformError> {
        self.transport
            .json::<T, ()>(Call {
                kind,
                method: Method::GET,
                path,
                body: None,
            })
            .await
    }

    /// Every item of a listing at `path` (which carries its own query, if any), page by page:
    /// `skip` advances by what each page brought, so a server that caps `top` loses nothing.
    async fn all<P: Page>(
        &self,
        kind: CallKind,
        path: &str,
    ) -> Result<(Vec<P::Item>, Option<String>), PlatformError> {
        let top = self.page_size.max(1);
        let join = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut poll_time = None;
        let mut read = 0u64;
        for page_number in 0.. {
            if page_number == MAX_PAGES {
                return Err(PlatformError::Decode {
                    path: path.to_string(),
                    reason: format!("paging did not end after {MAX_PAGES} pages"),
                });
            }
            let page: P = self
                .get(kind, &format!("{path}{join}skip={read}&top={top}"))
                .await?;
            let (got, total, links, poll) = page.parts();
            poll_time = poll_time.or(poll);
            let n = got.len();
            read += n as u64;
            items.extend(got);
            if !more(read, n, top, total, links.as_ref()) {
                break;
            }
        }
        Ok((items, poll_time))
    }

    /// Every active agent (once each, though paging while others write can repeat one; an
    /// agent the listing marks inactive despite `isActive=true` is left out).
    pub async fn agents(&self) -> Result<Vec<Agent>, PlatformError> {
        let (mut agents, _) = self
            .all::<AgentsPage>(calls::LIST_AGENTS, "/agents?isActive=true")
            .await?;
        let mut seen = HashSet::new();
        agents.retain(|a| a.is_active != Some(false) && seen.insert(a.agent_id.clone()));
        Ok(agents)
    }

    /// Every skill definition.
    pub async fn skills(&self) -> Result<Vec<Skill>, PlatformError> {
        let (skills, _) = self
            .all::<SkillsPage>(calls::LIST_SKILLS, "/skills")
            .await?;
        Ok(skills)
    }

    /// Every assignment of the tenant, grouped by agent (one record per agent and skill).
    pub async fn assignments(&self) -> Result<AgentAssignments, PlatformError> {
        Ok(self.assignments_polled().await?.0)
    }

    /// Every assignment, grouped by agent, with the listing's `lastPollTime`.
    pub async fn assignments_polled(
        &self,
    ) -> Result<(AgentAssignments, Option<String>), PlatformError> {
        let (records, poll_time) = self
            .all::<AssignmentsPage>(calls::LIST_ASSIGNMENTS, "/agents/skills")
            .await?;
        Ok((group(records), poll_time))
    }

    /// The assignments changed since `updated_since` (as CXone's `lastPollTime` gave it).
    pub async fn assignments_since(&self, updated_since: &str) -> Result<Changes, PlatformError> {
        let path = format!("/agents/skills?updatedSince={}", encode(updated_since));
        let (records, last_poll_time) = self
            .all::<AssignmentsPage>(calls::LIST_ASSIGNMENTS, &path)
            .await?;
        Ok(Changes {
            records,
            last_poll_time,
        })
    }

    /// One agent's assignments.
    pub async fn agent_skills(&self, agent_id: &CxoneId) -> Result<Vec<Assignment>, PlatformError> {
        let path = format!("/agents/{}/skills", encode(agent_id.as_str()));
        let reply: AgentSkillsReply = self.get(calls::GET_AGENT_SKILLS, &path).await?;
        Ok(reply.into_assignments())
    }
}

/// Records by agent; a record repeated across pages is kept once.
fn group(records: Vec<Assignment>) -> AgentAssignments {
    let mut seen = HashSet::new();
    let mut by_agent = AgentAssignments::new();
    for record in records {
        if seen.insert((record.agent_id.clone(), record.skill_id.clone())) {
            by_agent
                .entry(record.agent_id.clone())
                .or_default()
                .push(record);
        }
    }
    by_agent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(next: Option<&str>) -> Links {
        Links {
            next: next.map(str::to_string),
        }
    }

    #[test]
    fn paging_follows_the_total_then_the_links_then_short_pages() {
        assert!(more(100, 100, 100, Some(250), None));
        assert!(!more(250, 50, 100, Some(250), Some(&links(Some("x")))));
        assert!(more(
            100,
            100,
            100,
            None,
            Some(&links(Some("https://next")))
        ));
        assert!(!more(100, 100, 100, None, Some(&links(Some("")))));
        assert!(!more(100, 100, 100, None, Some(&links(None))));
        assert!(more(100, 100, 100, None, None));
        assert!(!more(150, 50, 100, None, None));
        assert!(!more(600, 600, 100, None, None));
        assert!(!more(100, 0, 100, Some(500), None));
    }

    #[test]
    fn records_are_grouped_by_agent_once_each() {
        let record = |agent: u64, skill: u64| Assignment {
            agent_id: agent.into(),
            skill_id: skill.into(),
            skill_name: None,
            agent_proficiency_value: None,
            is_active: Some(true),
            is_skill_active: None,
            last_update_time: None,
        };
        let grouped = group(vec![
            record(1, 10),
            record(2, 10),
            record(1, 11),
            record(1, 10),
        ]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[&CxoneId::from(1)].len(), 2);
    }

    #[test]
    fn poll_times_are_encoded_in_the_query() {
        assert_eq!(
            encode("2026-12-01T10:00:00+01:00"),
            "2026-12-01T10%3A00%3A00%2B01%3A00"
        );
    }
}
