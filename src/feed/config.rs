//! `[feed]` configuration as written by people (`FeedSettings`). Checking and compiling it into
//! usable rules is `rules.rs`'s job; this file only declares keys and their defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::AgentKeyKind;

/// How feeds are read and normalized (`[feed]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedSettings {
    /// Which attribute identifies agents: `email` (case-insensitive) or `employee_id`.
    pub agent_key: AgentKeyKind,
    /// IANA zone (e.g. `Europe/Berlin`) for dates written without an offset. When unset, such
    /// dates are errors: they are never read as UTC silently.
    pub time_zone: Option<String>,
    /// How many errors a rejected feed reports before it only counts the rest.
    pub max_errors: usize,
    /// The input scale of skill proficiencies.
    pub skills: ScaleSettings,
    /// The input scale of language proficiencies (`step` defaults to 1).
    pub languages: ScaleSettings,
    /// HRIS name → platform name, applied to skills, languages and certifications.
    pub aliases: BTreeMap<String, String>,
    /// Per certification (by platform name): how to complete what the feed leaves out.
    pub certifications: BTreeMap<String, CertificationSettings>,
}

/// A proficiency input scale: numbers from `min` to `max` in steps of `step`, or labels.
/// Without `min` and `max` the input scale is the platform's own (Genesys 0–5, CXone 1–20 with
/// 1 the highest), and numbers reach the platform as they are written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaleSettings {
    /// The lowest number accepted; when only `max` is given, the platform's lowest number.
    pub min: Option<f64>,
    /// The highest number accepted; when only `min` is given, the platform's highest number.
    pub max: Option<f64>,
    /// The spacing of accepted numbers, counted from `min`; the platform's step (Genesys: 0.5
    /// for skills, 1 for languages; CXone: 1) when not given.
    pub step: Option<f64>,
    /// Which end of a configured `min`..`max` is the highest proficiency (default `max`).
    pub best: Option<BestNumber>,
    /// Label → rating from 0 to 5 (higher is better), matched ignoring case and surrounding
    /// space; mapped onto the platform's scale like a number on a 0–5 scale.
    pub labels: BTreeMap<String, f64>,
}

/// Which end of a configured input scale is the highest proficiency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BestNumber {
    /// The largest number is best (`best = "max"`).
    #[default]
    Max,
    /// The smallest number is best (`best = "min"`), as on CXone.
    Min,
}

/// What configuration adds to one certification.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CertificationSettings {
    /// When a row has `issued_on` but no `expires_on`, it expires this many days (of 24 hours)
    /// after `issued_on`.
    pub validity_days: Option<u32>,
    /// A routing skill granted while the certification is in force and removed when it is not,
    /// so that queues requiring that skill stop routing to the agent.
    pub gate_skill: Option<String>,
    /// The gate skill's proficiency on the platform's skill scale (default: its best value,
    /// 5 on Genesys, 1 on CXone).
    pub gate_proficiency: Option<f64>,
}

/// Errors shown before the rest are only counted, unless configured otherwise.
pub const DEFAULT_MAX_ERRORS: usize = 1_000;

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            agent_key: AgentKeyKind::Email,
            time_zone: None,
            max_errors: DEFAULT_MAX_ERRORS,
            skills: ScaleSettings::default(),
            languages: ScaleSettings::default(),
            aliases: BTreeMap::new(),
            certifications: BTreeMap::new(),
        }
    }
}

impl Default for ScaleSettings {
    fn default() -> Self {
        let labels = [
            ("Novice", 1.0),
            ("Basic", 2.0),
            ("Proficient", 3.0),
            ("Advanced", 4.0),
            ("Expert", 5.0),
        ];
        Self {
            min: None,
            max: None,
            step: None,
            best: None,
            labels: labels
                .into_iter()
                .map(|(label, value)| (label.to_owned(), value))
                .collect(),
        }
    }
}
