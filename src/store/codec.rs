//! JSON forms of desired and live agent state as stored in JSONB columns.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AgentDesired, CertificationWindow, LiveAgent, Name, Proficiency};

#[derive(Serialize, Deserialize)]
struct DesiredJson {
    #[serde(default)]
    skills: BTreeMap<String, f64>,
    #[serde(default)]
    languages: BTreeMap<String, f64>,
    #[serde(default)]
    certifications: BTreeMap<String, WindowJson>,
}

#[derive(Serialize, Deserialize)]
struct WindowJson {
    issued_on: Option<DateTime<Utc>>,
    expires_on: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct LiveJson {
    user_id: String,
    email: Option<String>,
    employee_id: Option<String>,
    version: u64,
    skills: BTreeMap<String, f64>,
    languages: BTreeMap<String, f64>,
    certifications: BTreeSet<String>,
}

fn rated_to(map: &BTreeMap<Name, Proficiency>) -> BTreeMap<String, f64> {
    map.iter()
        .map(|(n, p)| (n.to_string(), p.value()))
        .collect()
}

fn rated_from(map: BTreeMap<String, f64>) -> Result<BTreeMap<Name, Proficiency>, String> {
    map.into_iter()
        .map(|(n, v)| {
            let name = Name::parse(&n).map_err(|e| format!("name {n:?}: {e}"))?;
            let p = Proficiency::nearest(v).ok_or_else(|| format!("proficiency {v} of {n:?}"))?;
            Ok((name, p))
        })
        .collect()
}

/// The JSON stored for one agent's desired state.
pub fn desired_to_json(agent: &AgentDesired) -> serde_json::Value {
    let json = DesiredJson {
        skills: rated_to(&agent.skills),
        languages: rated_to(&agent.languages),
        certifications: agent
            .certifications
            .iter()
            .map(|(n, w)| {
                (
                    n.to_string(),
                    WindowJson {
                        issued_on: w.issued_on,
                        expires_on: w.expires_on,
                    },
                )
            })
            .collect(),
    };
    serde_json::to_value(json).unwrap_or_default()
}

/// Reads back [`desired_to_json`].
pub fn desired_from_json(value: serde_json::Value) -> Result<AgentDesired, String> {
    let json: DesiredJson = serde_json::from_value(value).map_err(|e| e.to_string())?;
    Ok(AgentDesired {
        skills: rated_from(json.skills)?,
        languages: rated_from(json.languages)?,
        certifications: json
            .certifications
            .into_iter()
            .map(|(n, w)| {
                let name = Name::parse(&n).map_err(|e| format!("certification {n:?}: {e}"))?;
                Ok((
                    name,
                    CertificationWindow {
                        issued_on: w.issued_on,
                        expires_on: w.expires_on,
                    },
                ))
            })
            .collect::<Result<_, String>>()?,
    })
}

/// The JSON stored for one observed platform user.
pub fn live_to_json(agent: &LiveAgent) -> serde_json::Value {
    let json = LiveJson {
        user_id: agent.user_id.clone(),
        email: agent.email.clone(),
        employee_id: agent.employee_id.clone(),
        version: agent.version,
        skills: rated_to(&agent.skills),
        languages: rated_to(&agent.languages),
        certifications: agent.certifications.clone(),
    };
    serde_json::to_value(json).unwrap_or_default()
}

/// Reads back [`live_to_json`].
pub fn live_from_json(value: serde_json::Value) -> Result<LiveAgent, String> {
    let json: LiveJson = serde_json::from_value(value).map_err(|e| e.to_string())?;
    Ok(LiveAgent {
        user_id: json.user_id,
        email: json.email,
        employee_id: json.employee_id,
        version: json.version,
        skills: rated_from(json.skills)?,
        languages: rated_from(json.languages)?,
        certifications: json.certifications,
        // Stored observations are for reading; planning always observes afresh.
        incomplete: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn desired_and_live_state_survive_a_round_trip() {
        let name = |s: &str| Name::parse(s).expect("name");
        let p = |v: f64| Proficiency::nearest(v).expect("p");
        let desired = AgentDesired {
            skills: [(name("Billing_L1"), p(3.5))].into(),
            languages: [(name("German"), p(4.0))].into(),
            certifications: [(
                name("PCI-DSS"),
                CertificationWindow {
                    issued_on: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single(),
                    expires_on: None,
                },
            )]
            .into(),
        };
        assert_eq!(desired_from_json(desired_to_json(&desired)), Ok(desired));
        let live = LiveAgent {
            user_id: "u".into(),
            email: Some("a@b.c".into()),
            version: 7,
            skills: [(name("X"), p(0.5))].into(),
            certifications: ["HIPAA".to_string()].into(),
            ..LiveAgent::default()
        };
        assert_eq!(live_from_json(live_to_json(&live)), Ok(live));
    }
}
