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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaleSettings {
    /// The lowest number accepted.
    pub min: f64,
    /// The highest number accepted.
    pub max: f64,
    /// The spacing of accepted numbers, counted from `min`; 0.5 for skills, 1 for languages
    /// when not given.
    pub step: Option<f64>,
    /// Label → value on skillsync's 0–5 scale, matched ignoring case and surrounding space.
    pub labels: BTreeMap<String, f64>,
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
    /// The gate skill's proficiency on skillsync's 0–5 scale (default 5).
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
            min: 0.0,
            max: 5.0,
            step: None,
            labels: labels
                .into_iter()
                .map(|(label, value)| (label.to_owned(), value))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Settings, ENV_PREFIX};
    use std::io::Write;

    fn no_env() -> config::Environment {
        config::Environment::with_prefix(ENV_PREFIX).source(Some(Default::default()))
    }

    #[test]
    fn settings_without_a_feed_section_get_the_defaults() {
        let settings = Settings::load_with_env(None, no_env()).expect("defaults load");
        assert_eq!(settings.feed, FeedSettings::default());
        assert_eq!(settings.feed.max_errors, 1_000);
        assert_eq!(settings.feed.skills.labels.get("Expert"), Some(&5.0));
    }

    #[test]
    fn a_feed_section_keeps_the_case_of_names_and_fills_in_missing_keys() {
        let mut file = tempfile("feed-settings.toml");
        let toml = r#"
[feed]
agent_key = "employee_id"
time_zone = "Europe/Berlin"

[feed.languages]
max = 10

[feed.aliases]
"Billing EN" = "Billing - English"

[feed.certifications."PCI DSS"]
validity_days = 365
"#;
        file.1.write_all(toml.as_bytes()).expect("write");
        let settings = Settings::load_with_env(Some(&file.0), no_env()).expect("loads");
        let feed = settings.feed;
        assert_eq!(feed.agent_key, AgentKeyKind::EmployeeId);
        assert_eq!(feed.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(feed.languages.max, 10.0);
        assert_eq!(feed.languages.min, 0.0);
        assert_eq!(feed.languages.step, None);
        assert_eq!(feed.languages.labels.len(), 5);
        assert_eq!(
            feed.aliases.get("Billing EN").map(String::as_str),
            Some("Billing - English")
        );
        assert_eq!(feed.certifications["PCI DSS"].validity_days, Some(365));
        std::fs::remove_file(&file.0).expect("cleanup");
    }

    fn tempfile(name: &str) -> (std::path::PathBuf, std::fs::File) {
        let path = std::env::temp_dir().join(format!("skillsync-{}-{name}", std::process::id()));
        let file = std::fs::File::create(&path).expect("create temp file");
        (path, file)
    }
}
