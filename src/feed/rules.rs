//! `FeedRules`: `[feed]` settings checked once against the platform's scales and compiled into
//! what normalization needs (parsed zone, lowercase label tables, alias and validity lookups).
//! Reads no feed.

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::domain::{AgentKeyKind, AssignmentKind, Granularity};

use super::config::FeedSettings;
use super::proficiency::{ProficiencyScale, ScaleError};

/// Why the `[feed]` configuration cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeedConfigError {
    /// `feed.time_zone` is not an IANA zone name.
    #[error("feed.time_zone {0:?} is not an IANA time zone (e.g. Europe/Berlin)")]
    TimeZone(String),
    /// `feed.max_errors` is 0.
    #[error("feed.max_errors must be at least 1")]
    MaxErrors,
    /// A proficiency scale is inconsistent.
    #[error("feed.{kind}: {source}")]
    Scale {
        /// `skills` or `languages`.
        kind: &'static str,
        /// What is wrong with it.
        source: ScaleError,
    },
    /// An alias whose key or value is blank.
    #[error("feed.aliases: {0:?} maps a blank name")]
    Alias(String),
}

/// The compiled `[feed]` configuration every reader normalizes with.
#[derive(Debug, Clone)]
pub struct FeedRules {
    pub(crate) agent_key: AgentKeyKind,
    pub(crate) time_zone: Option<Tz>,
    pub(crate) max_errors: usize,
    pub(crate) skills: ProficiencyScale,
    /// `None`: the platform has no routing languages.
    pub(crate) languages: Option<ProficiencyScale>,
    /// The platform's name, for values it cannot store.
    pub(crate) platform: &'static str,
    aliases: HashMap<String, String>,
    validity_days: HashMap<String, u32>,
    /// Skill platform names feeds may not assign, with why (skills being retired).
    refused: std::sync::Arc<HashMap<String, String>>,
}

impl FeedRules {
    /// Checks `settings` and compiles them for the platform `granularity` describes (from
    /// `platform::scales::granularity_for(&settings.platform.kind)` or the connector): its
    /// scale is the feed's default input scale and the scale every value is mapped onto.
    pub fn from_settings(
        settings: &FeedSettings,
        granularity: &Granularity,
    ) -> Result<Self, FeedConfigError> {
        let time_zone = match settings.time_zone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(
                name.parse::<Tz>()
                    .map_err(|_| FeedConfigError::TimeZone(name.to_owned()))?,
            ),
        };
        if settings.max_errors == 0 {
            return Err(FeedConfigError::MaxErrors);
        }
        let onto = granularity.scale;
        let scale = |kind, scale, native| {
            ProficiencyScale::compile(scale, &native, &onto)
                .map_err(|source| FeedConfigError::Scale { kind, source })
        };
        let mut aliases = HashMap::new();
        for (from, to) in &settings.aliases {
            if from.trim().is_empty() || to.trim().is_empty() {
                return Err(FeedConfigError::Alias(from.clone()));
            }
            aliases.insert(from.trim().to_owned(), to.trim().to_owned());
        }
        Ok(Self {
            agent_key: settings.agent_key,
            time_zone,
            max_errors: settings.max_errors,
            skills: scale("skills", &settings.skills, onto)?,
            languages: granularity
                .scale_of(AssignmentKind::Language)
                .map(|native| scale("languages", &settings.languages, native))
                .transpose()?,
            platform: granularity.platform,
            aliases,
            validity_days: settings
                .certifications
                .iter()
                .filter_map(|(name, cert)| Some((name.trim().to_owned(), cert.validity_days?)))
                .collect(),
            refused: Default::default(),
        })
    }

    /// These rules, refusing every row that assigns one of `refused`'s skills (platform names)
    /// with its reason: the daemon passes the skills being retired.
    pub fn refusing(mut self, refused: HashMap<String, String>) -> Self {
        self.refused = std::sync::Arc::new(refused);
        self
    }

    /// Why a row may not assign skill `name`, if it may not.
    pub(crate) fn refusal(&self, name: &str) -> Option<&str> {
        self.refused.get(name).map(String::as_str)
    }

    /// The platform name for a trimmed feed name: its alias, or itself.
    pub(crate) fn platform_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map_or(name, String::as_str)
    }

    /// The proficiency scale of skills or languages (`None` for languages on a platform
    /// without them).
    pub(crate) fn scale(&self, kind: AssignmentKind) -> Option<&ProficiencyScale> {
        match kind {
            AssignmentKind::Skill => Some(&self.skills),
            AssignmentKind::Language => self.languages.as_ref(),
            AssignmentKind::Certification => None,
        }
    }

    /// How long a certification (by platform name) lasts when the feed gives no expiry.
    pub(crate) fn validity_days(&self, certification: &str) -> Option<u32> {
        self.validity_days.get(certification).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::config::{CertificationSettings, ScaleSettings};
    use crate::platform::scales::{CXONE, GENESYS};

    fn compile(settings: &FeedSettings) -> Result<FeedRules, FeedConfigError> {
        FeedRules::from_settings(settings, &GENESYS)
    }

    #[test]
    fn the_defaults_compile() {
        let rules = compile(&FeedSettings::default()).expect("defaults are valid");
        assert_eq!(rules.time_zone, None);
        assert_eq!(rules.max_errors, 1_000);
        assert_eq!(rules.agent_key, AgentKeyKind::Email);
    }

    #[test]
    fn an_unknown_time_zone_is_a_configuration_error() {
        let settings = FeedSettings {
            time_zone: Some("Europe/Bonn".into()),
            ..FeedSettings::default()
        };
        let err = compile(&settings).expect_err("bad zone");
        assert_eq!(err, FeedConfigError::TimeZone("Europe/Bonn".into()));
    }

    #[test]
    fn a_blank_time_zone_means_none() {
        let settings = FeedSettings {
            time_zone: Some(" ".into()),
            ..FeedSettings::default()
        };
        let rules = compile(&settings).expect("valid");
        assert_eq!(rules.time_zone, None);
    }

    #[test]
    fn zero_max_errors_is_a_configuration_error() {
        let settings = FeedSettings {
            max_errors: 0,
            ..FeedSettings::default()
        };
        assert_eq!(compile(&settings).err(), Some(FeedConfigError::MaxErrors));
    }

    #[test]
    fn a_bad_scale_is_reported_with_its_kind() {
        let settings = FeedSettings {
            languages: ScaleSettings {
                step: Some(-1.0),
                ..ScaleSettings::default()
            },
            ..FeedSettings::default()
        };
        let err = compile(&settings).expect_err("bad scale");
        assert!(err.to_string().starts_with("feed.languages: "), "{err}");
    }

    #[test]
    fn a_platform_without_languages_compiles_no_language_scale() {
        let rules = FeedRules::from_settings(&FeedSettings::default(), &CXONE).expect("valid");
        assert!(rules.scale(AssignmentKind::Language).is_none());
        assert_eq!(rules.platform, "CXone");
        assert!(compile(&FeedSettings::default()).is_ok_and(|r| r.languages.is_some()));
    }

    #[test]
    fn best_without_min_and_max_is_a_configuration_error() {
        let settings = FeedSettings {
            skills: ScaleSettings {
                best: Some(crate::feed::BestNumber::Min),
                ..ScaleSettings::default()
            },
            ..FeedSettings::default()
        };
        let err = FeedRules::from_settings(&settings, &CXONE).expect_err("best alone");
        assert_eq!(
            err.to_string(),
            "feed.skills: best applies to a configured min and max; without them the input \
             scale is the platform's, 1 to 20 (1 = highest)"
        );
    }

    #[test]
    fn aliases_map_trimmed_hris_names_and_leave_others_alone() {
        let mut settings = FeedSettings::default();
        settings
            .aliases
            .insert(" Billing EN ".into(), "Billing - English".into());
        let rules = compile(&settings).expect("valid");
        assert_eq!(rules.platform_name("Billing EN"), "Billing - English");
        assert_eq!(rules.platform_name("billing en"), "billing en");
    }

    #[test]
    fn blank_aliases_are_configuration_errors() {
        let mut settings = FeedSettings::default();
        settings.aliases.insert("Billing".into(), " ".into());
        assert!(compile(&settings).is_err());
    }

    #[test]
    fn validity_is_looked_up_by_platform_name() {
        let mut settings = FeedSettings::default();
        settings.certifications.insert(
            "PCI DSS".into(),
            CertificationSettings {
                validity_days: Some(365),
                ..CertificationSettings::default()
            },
        );
        settings
            .certifications
            .insert("GDPR".into(), CertificationSettings::default());
        let rules = compile(&settings).expect("valid");
        assert_eq!(rules.validity_days("PCI DSS"), Some(365));
        assert_eq!(rules.validity_days("GDPR"), None);
    }
}
