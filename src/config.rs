//! The typed configuration tree: embedded `config/base.toml`, then an optional file, then
//! `SKILLSYNC__SECTION__KEY` environment variables. Knows nothing about what the values drive.

mod error;
mod merge;
#[cfg(test)]
mod org_tests;
mod orgs;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::domain::Secret;
pub use error::ConfigError;
pub use orgs::{
    check_org_name, OrgOverrides, OrgReconcileSettings, OrgSettings, DEFAULT_ORG,
    ORG_RECONCILE_KEYS, ORG_SECTIONS,
};

/// The defaults, compiled in so that the binary runs without any file next to it.
pub const BASE_TOML: &str = include_str!("../config/base.toml");

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "SKILLSYNC";

/// The effective configuration of one skillsync process.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Logging output.
    pub log: crate::telemetry::LogSettings,
    /// Trace export.
    #[serde(default)]
    pub telemetry: crate::telemetry::TelemetrySettings,
    /// The CCaaS platform skillsync writes to.
    pub platform: crate::platform::PlatformSettings,
    /// Per-attribute reconciliation policy.
    #[serde(default)]
    pub policy: crate::planner::PolicySettings,
    /// Which assignments skillsync owns.
    #[serde(default)]
    pub ownership: crate::planner::OwnershipSettings,
    /// Thresholds above which a plan waits for approval.
    #[serde(default)]
    pub safety: crate::planner::SafetySettings,
    /// Retries, verification and settle times of applying a plan.
    #[serde(default)]
    pub reconcile: crate::reconciler::ReconcileSettings,
    /// How HRIS/WFM feeds are read and normalized.
    #[serde(default)]
    pub feed: crate::feed::FeedSettings,
    /// Certification enforcement and reporting.
    #[serde(default)]
    pub certifications: crate::certs::EnforcementSettings,
    /// The certification webhook.
    #[serde(default)]
    pub webhook: crate::notify::WebhookSettings,
    /// The daemon's database.
    #[serde(default)]
    pub database: crate::store::DatabaseSettings,
    /// The daemon's HTTP listeners and tokens.
    #[serde(default)]
    pub server: crate::http::ServerSettings,
    /// Retiring skills.
    #[serde(default)]
    pub skills: crate::reconciler::SkillsSettings,
    /// Feeds pulled on a schedule.
    #[serde(default)]
    pub sources: Vec<crate::feed::sources::SourceSettings>,
    /// `[orgs.NAME]`: per-org overrides of the sections in [`ORG_SECTIONS`], as written; see
    /// [`Settings::org_settings`] for the resolved orgs. Printed resolved, not as written.
    #[serde(default, skip_serializing)]
    pub orgs: BTreeMap<String, OrgOverrides>,
    /// The orgs resolved at load (empty without `[orgs]`).
    #[serde(skip)]
    resolved_orgs: Vec<OrgSettings>,
}

impl Settings {
    /// Loads the layered configuration. `file` is the optional `--config` path.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, config::Environment::with_prefix(ENV_PREFIX))
    }

    /// The embedded defaults alone: no file, no environment (tests start from here).
    pub fn defaults() -> Result<Self, ConfigError> {
        Ok(Self::base().build()?.try_deserialize()?)
    }

    /// Like [`Settings::load`], with the environment source given (tests pass a fixed map).
    pub fn load_with_env(
        file: Option<&Path>,
        env: config::Environment,
    ) -> Result<Self, ConfigError> {
        let mut builder = Self::base();
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.display().to_string()));
            }
            builder = builder.add_source(config::File::from(path));
        }
        Self::finish(builder, env)
    }

    /// Like [`Settings::load_with_env`], with the file's TOML text given instead of its path: the
    /// same layering without a file system, which the fuzz target and property tests drive.
    pub fn load_from_toml(text: &str, env: config::Environment) -> Result<Self, ConfigError> {
        let file = config::File::from_str(text, config::FileFormat::Toml);
        Self::finish(Self::base().add_source(file), env)
    }

    fn base() -> config::ConfigBuilder<config::builder::DefaultState> {
        config::Config::builder()
            .add_source(config::File::from_str(BASE_TOML, config::FileFormat::Toml))
    }

    fn finish(
        builder: config::ConfigBuilder<config::builder::DefaultState>,
        env: config::Environment,
    ) -> Result<Self, ConfigError> {
        // Values stay strings until a typed field asks for a number or a boolean: parsing them up
        // front would turn a secret such as "000123" into 123.
        let env = env.prefix_separator("__").separator("__");
        let built = builder.add_source(env).build()?;
        let settle_given = built.get_float("reconcile.settle_secs").is_ok();
        let mut settings: Self = built.clone().try_deserialize()?;
        if !settle_given {
            settings.reconcile.settle_secs =
                crate::platform::settings::default_settle_secs(&settings.platform.kind);
        }
        settings.resolved_orgs = orgs::resolve(&settings, &built, settle_given)?;
        let names: Vec<String> = settings
            .org_settings()
            .into_iter()
            .map(|o| o.name)
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        settings
            .server
            .check_orgs(&names)
            .map_err(ConfigError::Tokens)?;
        settings.check_policies()?;
        Ok(settings)
    }

    /// Every org's deferral keys and change windows, so that a typo stops start-up rather than
    /// the first job.
    fn check_policies(&self) -> Result<(), ConfigError> {
        let orgs = self.org_settings();
        for org in &orgs {
            crate::planner::DeferralRules::build(&org.policy, &self.reconcile.time_zone).map_err(
                |e| match orgs.len() {
                    1 => ConfigError::Policy(e.to_string()),
                    _ => ConfigError::Policy(format!("[orgs.{}] {e}", org.name)),
                },
            )?;
        }
        Ok(())
    }

    /// The parts of the configuration a planner policy is built from.
    pub fn planner(&self) -> crate::planner::PlannerSettings {
        crate::planner::PlannerSettings {
            agent_key: self.feed.agent_key,
            attributes: self.policy.clone(),
            ownership: self.ownership.clone(),
            certifications: self.feed.certifications.clone(),
            margin: self.certifications.margin(),
        }
    }

    /// The configuration as TOML with every secret redacted, for `skillsync print-config`.
    /// The top level is printed as loaded, then every org as resolved (`[orgs.default]` when
    /// there is no `[orgs]`), so that what each org runs with is visible without doing the merge
    /// by hand.
    pub fn to_redacted_toml(&self) -> String {
        let render = || -> Result<String, toml::ser::Error> {
            let mut value = toml::Value::try_from(self)?;
            if let toml::Value::Table(table) = &mut value {
                table.insert("orgs".into(), toml::Value::try_from(self.printed_orgs())?);
            }
            toml::to_string_pretty(&value)
        };
        render().unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fixed environment source for the tests of this module and its submodules.
    pub(super) fn env(pairs: &[(&str, &str)]) -> config::Environment {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config::Environment::with_prefix(ENV_PREFIX).source(Some(map))
    }

    #[test]
    fn embedded_defaults_load_without_any_file() {
        let settings = Settings::load_with_env(None, env(&[])).expect("defaults load");
        assert_eq!(settings.log.format, crate::telemetry::LogFormat::Plain);
        assert_eq!(settings.platform.client_id, "skillsync-sim");
    }

    #[test]
    fn environment_overrides_nested_keys_with_double_underscores() {
        let settings = Settings::load_with_env(
            None,
            env(&[
                ("SKILLSYNC__LOG__FORMAT", "json"),
                ("SKILLSYNC__PLATFORM__CLIENT_SECRET", "hunter2"),
            ]),
        )
        .expect("load");
        assert_eq!(settings.log.format, crate::telemetry::LogFormat::Json);
        assert_eq!(settings.platform.client_secret.expose(), "hunter2");
    }

    #[test]
    fn secrets_that_look_like_numbers_stay_as_written_and_numbers_still_parse() {
        let settings = Settings::load_with_env(
            None,
            env(&[
                ("SKILLSYNC__PLATFORM__CLIENT_SECRET", "000123"),
                ("SKILLSYNC__SERVER__INGEST_TOKENS__WFM", "1e5"),
                ("SKILLSYNC__PLATFORM__REQUESTS_PER_MINUTE", "120"),
                ("SKILLSYNC__PLATFORM__CREATE_MISSING_SKILLS", "true"),
            ]),
        )
        .expect("load");
        assert_eq!(settings.platform.client_secret.expose(), "000123");
        assert_eq!(settings.server.ingest_tokens["wfm"].expose(), "1e5");
        assert_eq!(settings.platform.requests_per_minute, 120);
        assert!(settings.platform.create_missing_skills);
    }

    #[test]
    fn a_misspelt_key_is_an_error_naming_it() {
        let err = Settings::load_with_env(None, env(&[("SKILLSYNC__POLICY__SKILL", "report")]))
            .expect_err("typo");
        assert!(err.to_string().contains("skill"), "{err}");
        let err = Settings::load_with_env(None, env(&[("SKILLSYNC__PLATFROM__REGION", "x")]))
            .expect_err("typo");
        assert!(err.to_string().contains("platfrom"), "{err}");
    }

    #[test]
    fn printed_config_redacts_secrets() {
        let settings = Settings::load_with_env(
            None,
            env(&[("SKILLSYNC__PLATFORM__CLIENT_SECRET", "hunter2")]),
        )
        .expect("load");
        let printed = settings.to_redacted_toml();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("client_secret = \"[redacted]\""),
            "{printed}"
        );
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn the_access_key_secret_comes_from_the_environment_and_is_redacted_when_printed() {
        let settings = Settings::load_with_env(
            None,
            env(&[
                ("SKILLSYNC__PLATFORM__ACCESS_KEY_SECRET", "0007hunter"),
                ("SKILLSYNC__PLATFORM__ACCESS_KEY_ID", "key-1"),
                ("SKILLSYNC__PLATFORM__AREA", "eu1"),
            ]),
        )
        .expect("load");
        assert_eq!(settings.platform.access_key_secret.expose(), "0007hunter");
        assert_eq!(settings.platform.area, "eu1");
        assert_eq!(settings.platform.api_version, "v33.0");
        assert_eq!(settings.platform.write_batch_size, 50);
        let printed = settings.to_redacted_toml();
        assert!(!printed.contains("0007hunter"), "{printed}");
        assert!(
            printed.contains("access_key_secret = \"[redacted]\""),
            "{printed}"
        );
        assert!(!format!("{settings:?}").contains("0007hunter"));
    }

    #[test]
    fn a_platform_section_without_the_cxone_keys_still_loads() {
        let genesys_only = r#"
            kind = "genesys"
            client_id = "id"
            client_secret = "secret"
            requests_per_minute = 300
            max_concurrency = 8
            request_timeout_secs = 30
            connect_timeout_secs = 10
            max_retries = 6
            users_page_size = 500
            definitions_page_size = 100
            create_missing_skills = false
        "#;
        let platform: crate::platform::PlatformSettings =
            toml::from_str(genesys_only).expect("loads");
        assert_eq!(platform.access_key_id, "");
        assert_eq!(platform.access_key_secret.expose(), "");
        assert_eq!(platform.api_version, "v33.0");
        assert_eq!(platform.write_batch_size, 50);
    }

    #[test]
    fn the_settle_time_defaults_to_the_platforms_unless_set() {
        let settle = |toml: &str| {
            Settings::load_from_toml(toml, env(&[]))
                .expect("loads")
                .reconcile
                .settle_secs
        };
        assert_eq!(settle(""), 60.0);
        assert_eq!(settle("[platform]\nkind = \"cxone\""), 300.0);
        assert_eq!(
            settle("[platform]\nkind = \"cxone\"\n[reconcile]\nsettle_secs = 5"),
            5.0
        );
    }

    #[test]
    fn a_missing_config_file_is_an_error_naming_it() {
        let err = Settings::load_with_env(Some(Path::new("/nonexistent/x.toml")), env(&[]))
            .expect_err("missing file");
        assert!(err.to_string().contains("/nonexistent/x.toml"));
    }
}

#[cfg(test)]
mod feed_section_tests {
    // Here rather than in `feed`, so that `feed` does not import the tree that imports it.
    use super::{Settings, ENV_PREFIX};
    use crate::domain::AgentKeyKind;
    use crate::feed::FeedSettings;
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
        assert_eq!(feed.languages.max, Some(10.0));
        // Not configured: the platform's lowest number (0 on Genesys) when the feed is compiled.
        assert_eq!(feed.languages.min, None);
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
