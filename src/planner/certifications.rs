//! Certification rules the planner applies: the safety margin before expiry, and the gate skill
//! that follows each certification (granted while it is in force, removed when it is not).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::certs::{enforced_window, in_force};
use crate::domain::{CertificationWindow, Granularity, Name, Proficiency, Timing};
use crate::feed::CertificationSettings;

/// The routing skill that stands for a certification on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// Skill name.
    pub skill: Name,
    /// Proficiency granted.
    pub proficiency: Proficiency,
}

/// `[feed.certifications.*]` gates and the `[certifications]` margin, checked.
#[derive(Debug, Clone, Default)]
pub struct CertificationRules {
    /// A certification stops being in force this long before `expires_on`.
    pub margin: Duration,
    /// Gate skill per certification name.
    pub gates: BTreeMap<String, Gate>,
}

/// A gate that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("feed.certifications.{certification}: {reason}")]
pub struct GateError {
    certification: String,
    reason: String,
}

impl CertificationRules {
    /// Checks the configured gates: a gate is a skill, so its proficiency is on the platform's
    /// skill scale, and defaults to the scale's best end (5 on Genesys, 1 on CXone).
    pub fn new(
        settings: &BTreeMap<String, CertificationSettings>,
        margin: Duration,
        granularity: &Granularity,
    ) -> Result<Self, GateError> {
        let scale = granularity.scale;
        let mut gates = BTreeMap::new();
        for (certification, s) in settings {
            let Some(skill) = &s.gate_skill else { continue };
            let error = |reason: String| GateError {
                certification: certification.clone(),
                reason,
            };
            let skill =
                Name::parse(skill).map_err(|e| error(format!("gate_skill {skill:?}: {e}")))?;
            let proficiency = match s.gate_proficiency {
                None => scale.best(),
                Some(value) => Proficiency::nearest(value)
                    .filter(|p| p.value() == value && scale.contains(*p))
                    .ok_or_else(|| {
                        error(format!(
                            "gate_proficiency {value} is not on {}'s skill scale: {}",
                            granularity.platform,
                            scale.describe()
                        ))
                    })?,
            };
            // One skill standing for two certifications would be granted by one and removed by
            // the other, whichever comes last.
            if let Some((other, _)) = gates
                .iter()
                .find(|(_, g): &(&String, &Gate)| g.skill == skill)
            {
                return Err(error(format!(
                    "gate_skill {:?} is already the gate of {other:?}; give each certification its own",
                    skill.as_str()
                )));
            }
            gates.insert(certification.clone(), Gate { skill, proficiency });
        }
        Ok(Self { margin, gates })
    }

    /// Whether `name` is some certification's gate skill (skillsync owns those).
    pub fn is_gate(&self, name: &str) -> bool {
        self.gates.values().any(|g| g.skill.as_str() == name)
    }

    /// Whether a window is in force at `now`.
    pub fn in_force(&self, window: &CertificationWindow, now: DateTime<Utc>) -> bool {
        in_force(window, now, self.margin)
    }

    /// When a change of a certification with `window` took effect, judged at `now`.
    pub fn timing(&self, window: Option<&CertificationWindow>, now: DateTime<Utc>) -> Timing {
        let Some(window) = window else {
            return Timing::default();
        };
        let expired_at = enforced_window(window, self.margin)
            .expires_on
            .filter(|until| now >= *until);
        Timing {
            at: expired_at,
            expires_on: window.expires_on,
        }
    }

    /// Why a certification is or is not in force, for the audit log.
    pub fn rule(
        &self,
        certification: &str,
        window: Option<&CertificationWindow>,
        now: DateTime<Utc>,
    ) -> String {
        let show = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let Some(window) = window else {
            return format!("{certification}: not in the desired state");
        };
        let enforced = enforced_window(window, self.margin);
        match (enforced.issued_on, enforced.expires_on) {
            (Some(from), _) if now < from => {
                format!("{certification}: not in force until {}", show(from))
            }
            (_, Some(until)) if now >= until => {
                format!("{certification}: expired at {}", show(until))
            }
            (_, Some(until)) => format!("{certification}: in force until {}", show(until)),
            (_, None) => format!("{certification}: in force, no expiry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::scales::GENESYS;

    fn genesys() -> Granularity {
        GENESYS
    }

    #[test]
    fn gates_are_checked_and_default_to_proficiency_5() {
        let settings: BTreeMap<String, CertificationSettings> = [(
            "PCI-DSS".to_string(),
            CertificationSettings {
                gate_skill: Some("Gate_PCI".into()),
                ..CertificationSettings::default()
            },
        )]
        .into();
        let rules = CertificationRules::new(&settings, Duration::ZERO, &genesys()).expect("valid");
        assert_eq!(rules.gates["PCI-DSS"].proficiency.value(), 5.0);
        assert!(rules.is_gate("Gate_PCI") && !rules.is_gate("PCI-DSS"));

        let bad: BTreeMap<String, CertificationSettings> = [(
            "HIPAA".to_string(),
            CertificationSettings {
                gate_skill: Some("Gate_HIPAA".into()),
                gate_proficiency: Some(4.2),
                ..CertificationSettings::default()
            },
        )]
        .into();
        let err = CertificationRules::new(&bad, Duration::ZERO, &genesys()).expect_err("4.2");
        assert_eq!(
            err.to_string(),
            "feed.certifications.HIPAA: gate_proficiency 4.2 is not on Genesys Cloud's skill \
             scale: 0 to 5 in steps of 0.5 (5 = highest)"
        );

        let shared: BTreeMap<String, CertificationSettings> = ["HIPAA", "PCI-DSS"]
            .map(|c| {
                (
                    c.to_string(),
                    CertificationSettings {
                        gate_skill: Some("Gate_Secure".into()),
                        ..CertificationSettings::default()
                    },
                )
            })
            .into();
        let err = CertificationRules::new(&shared, Duration::ZERO, &genesys()).expect_err("shared");
        assert_eq!(
            err.to_string(),
            "feed.certifications.PCI-DSS: gate_skill \"Gate_Secure\" is already the gate of \"HIPAA\"; give each certification its own"
        );
    }

    #[test]
    fn an_expiry_is_timed_at_its_enforced_instant_and_feed_changes_are_not() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.to_utc()).ok();
        let rules = CertificationRules {
            margin: Duration::from_secs(3600),
            ..CertificationRules::default()
        };
        let window = CertificationWindow {
            issued_on: at("2026-01-01T00:00:00Z"),
            expires_on: at("2026-11-30T23:00:00Z"),
        };
        let before = at("2026-11-30T21:59:59Z").expect("instant");
        let after = at("2026-11-30T22:10:00Z").expect("instant");
        assert_eq!(
            rules.timing(Some(&window), before),
            Timing {
                at: None,
                expires_on: window.expires_on
            },
            "in force: a grant is a feed's doing"
        );
        assert_eq!(
            rules.timing(Some(&window), after),
            Timing {
                at: at("2026-11-30T22:00:00Z"),
                expires_on: window.expires_on
            },
            "expired: the instant the margin made it lapse, whenever the job ran"
        );
        assert_eq!(rules.timing(None, after), Timing::default());
    }
}
