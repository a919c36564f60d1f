//! JSON forms of desired and live agent state, and of planned changes, as stored in JSON
//! columns.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Action, AgentDesired, AssignmentKind, CertificationWindow, Change, LiveAgent, Name,
    Proficiency, Timing, Urgency,
};

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
        routing: None,
        division: None,
    })
}

/// One planned change as stored: everything a [`Change`] holds, unlike the plan's JSON (which
/// leaves out the timing), so that it reads back the same.
#[derive(Serialize, Deserialize)]
struct ChangeJson {
    kind: String,
    name: String,
    action: String,
    from: Option<f64>,
    to: Option<f64>,
    writable: bool,
    rule: Option<String>,
    at: Option<DateTime<Utc>>,
    expires_on: Option<DateTime<Utc>>,
    /// Absent in changes stored before urgency existed: routine, as they were treated.
    #[serde(default)]
    urgency: Option<String>,
}

/// The JSON stored for the changes planned for one agent.
pub fn changes_to_json(changes: &[Change]) -> serde_json::Value {
    let json: Vec<ChangeJson> = changes
        .iter()
        .map(|c| {
            let (action, from, to) = match c.action {
                Action::Add(p) => ("add", None, p),
                Action::Update { from, to } => ("update", Some(from), Some(to)),
                Action::Remove(p) => ("remove", p, None),
            };
            ChangeJson {
                kind: c.kind.as_str().to_owned(),
                name: c.name.to_string(),
                action: action.to_owned(),
                from: from.map(Proficiency::value),
                to: to.map(Proficiency::value),
                writable: c.writable,
                rule: c.rule.clone(),
                at: c.timing.at,
                expires_on: c.timing.expires_on,
                urgency: Some(c.urgency.as_str().to_owned()),
            }
        })
        .collect();
    serde_json::to_value(json).unwrap_or_default()
}

fn proficiency(value: Option<f64>) -> Result<Option<Proficiency>, String> {
    value
        .map(|v| Proficiency::nearest(v).ok_or_else(|| format!("proficiency {v}")))
        .transpose()
}

/// Reads back [`changes_to_json`].
pub fn changes_from_json(value: serde_json::Value) -> Result<Vec<Change>, String> {
    let json: Vec<ChangeJson> = serde_json::from_value(value).map_err(|e| e.to_string())?;
    json.into_iter()
        .map(|c| {
            let kind = [
                AssignmentKind::Skill,
                AssignmentKind::Language,
                AssignmentKind::Certification,
            ]
            .into_iter()
            .find(|k| k.as_str() == c.kind)
            .ok_or_else(|| format!("assignment kind {:?}", c.kind))?;
            let (from, to) = (proficiency(c.from)?, proficiency(c.to)?);
            let action = match (c.action.as_str(), from, to) {
                ("add", None, to) => Action::Add(to),
                ("update", Some(from), Some(to)) => Action::Update { from, to },
                ("remove", from, None) => Action::Remove(from),
                (action, _, _) => return Err(format!("action {action:?} with {from:?} -> {to:?}")),
            };
            Ok(Change {
                kind,
                name: Name::parse(&c.name).map_err(|e| format!("name {:?}: {e}", c.name))?,
                action,
                writable: c.writable,
                rule: c.rule,
                timing: Timing {
                    at: c.at,
                    expires_on: c.expires_on,
                },
                urgency: match c.urgency.as_deref() {
                    None => Urgency::Routine,
                    Some(u) => Urgency::parse(u).ok_or_else(|| format!("urgency {u:?}"))?,
                },
            })
        })
        .collect()
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
            // CXone values (up to 20) are stored as they are, like Genesys's 0–5.
            skills: [(name("Billing_L1"), p(3.5)), (name("CXone_Top"), p(20.0))].into(),
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

    #[test]
    fn planned_changes_survive_a_round_trip_with_rule_and_timing() {
        let name = |s: &str| Name::parse(s).expect("name");
        let p = |v: f64| Proficiency::nearest(v).expect("p");
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single();
        let changes = vec![
            Change {
                kind: AssignmentKind::Skill,
                name: name("Billing_L1"),
                action: Action::Update {
                    from: p(2.0),
                    to: p(3.5),
                },
                writable: true,
                rule: None,
                timing: Timing::default(),
                urgency: Urgency::Routine,
            },
            Change {
                kind: AssignmentKind::Certification,
                name: name("PCI-DSS"),
                action: Action::Remove(None),
                writable: false,
                rule: Some("certification expired".into()),
                timing: Timing { at, expires_on: at },
                urgency: Urgency::Urgent,
            },
            Change {
                kind: AssignmentKind::Language,
                name: name("German"),
                action: Action::Add(Some(p(4.0))),
                writable: true,
                rule: None,
                timing: Timing::default(),
                urgency: Urgency::Routine,
            },
        ];
        assert_eq!(changes_from_json(changes_to_json(&changes)), Ok(changes));
        assert!(changes_from_json(serde_json::json!([{"kind": "skill"}])).is_err());
    }
}
