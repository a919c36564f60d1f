//! Table-driven tests of the planner: ownership, policies, scopes, rounding, certifications.
//! This file holds the fixtures; each child module one theme.

mod assignments;
mod certification_gates;
mod certifications;
mod coverage;
mod deferral;
mod divisions;
mod platform_scales;
mod retirement;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::{
    AgentDesired, AgentKey, AgentKeyKind, CertificationWindow, DesiredState, FeedScope, LiveAgent,
    Name, Proficiency, SeenNames,
};
use crate::platform::scales::GENESYS;

fn name(s: &str) -> Name {
    Name::parse(s).expect("name")
}

fn p(v: f64) -> Proficiency {
    Proficiency::nearest(v).expect("proficiency")
}

fn rated(items: &[(&str, f64)]) -> BTreeMap<Name, Proficiency> {
    items.iter().map(|(n, v)| (name(n), p(*v))).collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .expect("instant")
}

fn live(n: u32, skills: &[(&str, f64)]) -> LiveAgent {
    LiveAgent {
        user_id: format!("u{n}"),
        email: Some(format!("agent{n:05}@example.com")),
        employee_id: Some(format!("E{n:05}")),
        version: 1,
        skills: rated(skills),
        ..LiveAgent::default()
    }
}

fn key(n: u32) -> AgentKey {
    AgentKey::Email(format!("agent{n:05}@example.com"))
}

fn want(skills: &[(&str, f64)]) -> AgentDesired {
    AgentDesired {
        skills: rated(skills),
        ..AgentDesired::default()
    }
}

fn desired(scope: FeedScope, agents: Vec<(AgentKey, AgentDesired)>) -> DesiredState {
    DesiredState {
        scope,
        agents: agents.into_iter().collect(),
    }
}

fn policy_for(
    state: &DesiredState,
    settings: OwnershipSettings,
    attributes: PolicySettings,
) -> Policy {
    Policy {
        agent_key: AgentKeyKind::Email,
        attributes,
        ownership: Ownership::build(&settings, &SeenNames::of(state)).expect("ownership"),
        granularity: GENESYS,
        now: now(),
        certifications: CertificationRules::default(),
        hold_routine: false,
        retiring: BTreeSet::new(),
    }
}

fn policy(state: &DesiredState) -> Policy {
    policy_for(
        state,
        OwnershipSettings::default(),
        PolicySettings::default(),
    )
}

/// Changes as short strings, per agent label.
fn summary(plan: &Plan) -> Vec<(String, Vec<String>)> {
    plan.agents
        .iter()
        .map(|a| {
            (
                a.label.clone(),
                a.changes.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}
