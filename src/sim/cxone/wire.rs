//! CXone's JSON: timestamps, and the agent and assignment records.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::org::{Agent, CxOrg, Held, Skill};
use crate::sim::error::ApiError;

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
        "skillName": skill.map(Skill::name),
        "mediaTypeId": skill.map(|s| s.media.id),
        "mediaTypeName": skill.map(|s| s.media.name),
        "agentProficiencyValue": held.proficiency,
        "agentProficiencyName": proficiency_name(held.proficiency),
        "isActive": held.active,
        "isSkillActive": skill.is_some_and(Skill::active),
        "isAgentActive": true,
        "lastUpdateTime": time(held.updated),
    })
}

/// One `skills` entry; `GET …/skills/{skillId}` adds `notes`.
pub fn skill(skill: &Skill) -> Value {
    let settings = skill.settings.lock();
    json!({
        "skillId": skill.id,
        "skillName": settings.name,
        "mediaTypeId": skill.media.id,
        "mediaTypeName": skill.media.name,
        "isActive": settings.active,
        "isOutbound": false,
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
