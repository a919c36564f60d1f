//! NICE CXone response bodies the reads decode: serde types only, field names as the API
//! spells them, liberal about what may be absent (CXone's shapes are only partly confirmed).
//! Write bodies are in `bodies`, write answers in `results`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::proficiency::CxoneProficiency;

/// A CXone id (agent or skill). CXone sends integers; a string is accepted too. It is sent
/// back the way it came: as a number when it is one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CxoneId(String);

impl CxoneId {
    /// An id from its text (`"12345"`).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text, for paths.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CxoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<u64> for CxoneId {
    fn from(id: u64) -> Self {
        Self(id.to_string())
    }
}

impl Serialize for CxoneId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<u64>() {
            Ok(n) if n.to_string() == self.0 => serializer.serialize_u64(n),
            _ => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for CxoneId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(n) => Ok(Self(n.to_string())),
            serde_json::Value::String(s) if !s.trim().is_empty() => Ok(Self(s.trim().into())),
            other => Err(serde::de::Error::custom(format!(
                "expected an id, got {other}"
            ))),
        }
    }
}

/// `GET /.well-known/cxone-configuration` (only the two hosts skillsync uses).
#[derive(Debug, Deserialize)]
pub struct Discovery {
    /// The API host, e.g. `https://api-na1.niceincontact.com`.
    pub api_endpoint: String,
    /// The login host.
    pub auth_endpoint: String,
}

/// `POST /authentication/v1/token/access-key` success.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds (a number or a numeric string); about an hour when absent.
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub expires_in: Option<u64>,
}

fn lenient_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// `_links` of a listing.
#[derive(Debug, Default, Deserialize)]
pub struct Links {
    /// The next page's URL; absent, null or empty on the last page.
    #[serde(default)]
    pub next: Option<String>,
}

impl Links {
    /// Whether a next page is announced.
    pub fn has_next(&self) -> bool {
        self.next.as_deref().is_some_and(|n| !n.trim().is_empty())
    }
}

/// One agent of `GET /agents`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// Agent id.
    pub agent_id: CxoneId,
    /// Login name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Whether the agent is active.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// The tenant's own key for the agent (HR id, if the tenant fills it in).
    #[serde(default, deserialize_with = "lenient_text")]
    pub internal_id: Option<String>,
}

fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// `GET /agents`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsPage {
    /// The page's agents.
    #[serde(default)]
    pub agents: Vec<Agent>,
    /// Agents in all pages.
    #[serde(default)]
    pub total_records: Option<u64>,
    /// Paging links.
    #[serde(default, rename = "_links")]
    pub links: Option<Links>,
}

/// One skill definition of `GET /skills`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    /// Skill id.
    pub skill_id: CxoneId,
    /// Its name.
    #[serde(default)]
    pub skill_name: Option<String>,
    /// Whether the skill is active.
    #[serde(default)]
    pub is_active: Option<bool>,
}

/// `GET /skills`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillsPage {
    /// The page's skills.
    #[serde(default)]
    pub skills: Vec<Skill>,
    /// Skills in all pages.
    #[serde(default)]
    pub total_records: Option<u64>,
    /// Paging links.
    #[serde(default, rename = "_links")]
    pub links: Option<Links>,
}

/// One agent–skill assignment as CXone reports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    /// The agent.
    pub agent_id: CxoneId,
    /// The skill.
    pub skill_id: CxoneId,
    /// The skill's name.
    #[serde(default)]
    pub skill_name: Option<String>,
    /// 1 (highest) to 20; `None` when absent or outside CXone's scale.
    #[serde(default, deserialize_with = "checked_proficiency")]
    pub agent_proficiency_value: Option<CxoneProficiency>,
    /// Whether the assignment is active.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Whether the skill itself is active.
    #[serde(default)]
    pub is_skill_active: Option<bool>,
    /// When the assignment last changed (as CXone formats it).
    #[serde(default)]
    pub last_update_time: Option<String>,
}

/// A proficiency outside 1..=20 is dropped (to `None`) rather than failing the whole page.
fn checked_proficiency<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<CxoneProficiency>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    if value.is_null() {
        return Ok(None);
    }
    let checked = serde_json::from_value::<CxoneProficiency>(value.clone()).ok();
    if checked.is_none() {
        tracing::warn!(%value, "CXone reported a proficiency outside 1 to 20; treated as unknown");
    }
    Ok(checked)
}

/// `GET /agents/skills` (every assignment of the tenant, paged).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentsPage {
    /// The page's assignments.
    #[serde(default)]
    pub agent_skill_assignments: Vec<Assignment>,
    /// Assignments in all pages.
    #[serde(default)]
    pub total_records: Option<u64>,
    /// Paging links.
    #[serde(default, rename = "_links")]
    pub links: Option<Links>,
    /// The time to pass as `updatedSince` next time.
    #[serde(default)]
    pub last_poll_time: Option<String>,
}

/// `GET /agents/{agentId}/skills`: the assignments at the top level or under `resultSet`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSkillsReply {
    /// Top-level assignments.
    #[serde(default)]
    pub agent_skill_assignments: Option<Vec<Assignment>>,
    /// The older shape.
    #[serde(default)]
    pub result_set: Option<Box<AgentSkillsReply>>,
}

impl AgentSkillsReply {
    /// The assignments, whichever shape carried them.
    pub fn into_assignments(self) -> Vec<Assignment> {
        match (self.agent_skill_assignments, self.result_set) {
            (Some(top), _) => top,
            (None, Some(nested)) => nested.into_assignments(),
            (None, None) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSIGNMENT: &str = r#"{"agentId":101,"skillId":"2001","skillName":"Billing",
        "agentProficiencyValue":3,"agentProficiencyName":"3","isActive":true,
        "isSkillActive":true,"lastUpdateTime":"2026-12-01T10:00:00.000Z","extra":{"x":1}}"#;

    #[test]
    fn ids_parse_from_numbers_or_text_and_go_back_as_numbers() {
        let a: Assignment = serde_json::from_str(ASSIGNMENT).expect("parses");
        assert_eq!(a.agent_id, CxoneId::from(101));
        assert_eq!(a.skill_id.as_str(), "2001");
        assert_eq!(serde_json::to_string(&a.skill_id).expect("json"), "2001");
        assert_eq!(
            serde_json::to_string(&CxoneId::new("ab-1")).expect("json"),
            "\"ab-1\""
        );
        assert_eq!(a.agent_proficiency_value.map(|p| p.get()), Some(3));
    }

    #[test]
    fn the_org_wide_listing_parses_with_its_paging_fields() {
        let body = format!(
            r#"{{"agentSkillAssignments":[{ASSIGNMENT}],"totalRecords":7,
            "_links":{{"self":"x","next":"https://api/next"}},"lastPollTime":"2026-12-01T10:05:00Z"}}"#
        );
        let page: AssignmentsPage = serde_json::from_str(&body).expect("parses");
        assert_eq!(page.agent_skill_assignments.len(), 1);
        assert_eq!(page.total_records, Some(7));
        assert!(page.links.is_some_and(|l| l.has_next()));
        assert_eq!(page.last_poll_time.as_deref(), Some("2026-12-01T10:05:00Z"));
        let empty: AssignmentsPage =
            serde_json::from_str(r#"{"_links":{"next":""}}"#).expect("parses");
        assert!(empty.agent_skill_assignments.is_empty());
        assert!(!empty.links.unwrap_or_default().has_next());
    }

    #[test]
    fn an_agents_skills_parse_at_the_top_level_or_under_result_set() {
        let top = format!(r#"{{"agentSkillAssignments":[{ASSIGNMENT}]}}"#);
        let nested = format!(r#"{{"resultSet":{{"agentSkillAssignments":[{ASSIGNMENT}]}}}}"#);
        for body in [top, nested] {
            let reply: AgentSkillsReply = serde_json::from_str(&body).expect("parses");
            assert_eq!(reply.into_assignments().len(), 1, "{body}");
        }
        let none: AgentSkillsReply = serde_json::from_str("{}").expect("parses");
        assert!(none.into_assignments().is_empty());
    }

    #[test]
    fn an_out_of_range_proficiency_is_unknown_not_a_failed_page() {
        let a: Assignment = serde_json::from_str(
            r#"{"agentId":1,"skillId":2,"agentProficiencyValue":0,"isActive":true}"#,
        )
        .expect("parses");
        assert_eq!(a.agent_proficiency_value, None);
    }

    #[test]
    fn agents_and_skills_listings_parse() {
        let agents: AgentsPage = serde_json::from_str(
            r#"{"agents":[{"agentId":5,"userName":"a@x","emailAddress":"a@x","isActive":true,
            "internalId":42}],"totalRecords":1,"_links":{"next":null}}"#,
        )
        .expect("parses");
        assert_eq!(agents.agents[0].internal_id.as_deref(), Some("42"));
        let skills: SkillsPage =
            serde_json::from_str(r#"{"skills":[{"skillId":9,"skillName":"Sales"}]}"#)
                .expect("parses");
        assert_eq!(skills.skills[0].skill_name.as_deref(), Some("Sales"));
    }

    #[test]
    fn token_lifetimes_parse_as_numbers_or_text() {
        for body in [
            r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#,
            r#"{"access_token":"t","expires_in":"3600"}"#,
        ] {
            let t: TokenResponse = serde_json::from_str(body).expect("parses");
            assert_eq!(t.expires_in, Some(3600));
        }
        let t: TokenResponse = serde_json::from_str(r#"{"access_token":"t"}"#).expect("parses");
        assert_eq!(t.expires_in, None);
    }
}
