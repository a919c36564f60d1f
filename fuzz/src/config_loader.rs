//! The config loader: arbitrary TOML over the embedded defaults, plus `SKILLSYNC__…` variables,
//! through `Settings::load_from_toml` and the checks `skillsync serve` makes before it binds. It
//! never panics; a bad configuration is a typed error that names what is wrong.

use std::collections::HashMap;

use skillsync::config::{ConfigError, OrgSettings, Settings, ENV_PREFIX};
use skillsync::feed::sources::check_source;
use skillsync::feed::FeedRules;
use skillsync::planner::Policy;
use skillsync::platform::scales;

/// The line that ends the TOML text; `NAME=value` environment variables follow it.
const ENV_MARKER: &str = "%%env";

/// One configuration: a file's text and the environment.
#[derive(Debug, Clone, Default)]
pub struct ConfigInput {
    /// The `--config` file's text.
    pub toml: String,
    /// Environment variables, prefixed `SKILLSYNC__` to be read.
    pub env: Vec<(String, String)>,
}

impl ConfigInput {
    /// Decodes a corpus file or fuzz input: TOML, then optionally a `%%env` line and
    /// `NAME=value` lines. Bytes that are not UTF-8 are replaced, as a TOML file must be text.
    pub fn parse(data: &[u8]) -> Self {
        let text = String::from_utf8_lossy(data);
        let (toml, env) = match text.split_once(&format!("\n{ENV_MARKER}\n")) {
            Some((toml, env)) => (toml, env),
            None => (text.as_ref(), ""),
        };
        let env = env
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Self {
            toml: toml.to_owned(),
            env,
        }
    }
}

/// What became of a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigVerdict {
    /// Not loadable: a syntax error, an unknown key, a value of the wrong type, or `[policy]`
    /// deferral keys and change windows that cannot work (checked at load).
    Invalid,
    /// Loaded, and refused by a start-up check (a short token, bad rules, policy or source).
    Refused,
    /// Loaded and passes every start-up check that needs no network or database.
    Usable,
}

/// Loads `input` and checks the answer.
pub fn check_config(input: &ConfigInput) -> ConfigVerdict {
    let env: HashMap<String, String> = input.env.iter().cloned().collect();
    let env = config::Environment::with_prefix(ENV_PREFIX).source(Some(env));
    let settings = match Settings::load_from_toml(&input.toml, env) {
        Ok(settings) => settings,
        Err(error) => {
            assert!(
                matches!(
                    error,
                    ConfigError::Invalid(_)
                        | ConfigError::Org { .. }
                        | ConfigError::OrgName(_)
                        | ConfigError::Policy(_)
                ),
                "{error:?}"
            );
            assert!(error.to_string().len() > "invalid configuration: ".len());
            return ConfigVerdict::Invalid;
        }
    };
    // `print-config` must not panic on whatever loaded. It may answer "# cannot render": a
    // float such as `inf` given for an integer loads as an integer TOML cannot hold (found by
    // this check; the connector refuses such numbers, see fuzz/README.md).
    let _ = settings.to_redacted_toml();
    // Every org's sections, as `serve` would check the one it runs; several orgs are refused
    // by `serve` for now, which counts as a refusal here.
    let mut refusals: Vec<String> = [
        settings.server.check().err(),
        settings.webhook.validate().err().map(|e| e.to_string()),
        settings.single_org().err().map(|e| e.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    for org in settings.org_settings() {
        refusals.extend(org_refusals(&org, &settings));
    }
    for refusal in &refusals {
        assert!(!refusal.trim().is_empty(), "a refusal names what is wrong");
    }
    if refusals.is_empty() {
        ConfigVerdict::Usable
    } else {
        ConfigVerdict::Refused
    }
}

/// What `serve` would refuse in one org's sections (no network, no database).
fn org_refusals(org: &OrgSettings, settings: &Settings) -> Vec<String> {
    let granularity = scales::granularity_or_genesys(&org.platform.kind);
    [
        skillsync::platform::Connector::from_settings(&org.platform)
            .err()
            .map(|e| e.to_string()),
        FeedRules::from_settings(&org.feed, &granularity)
            .err()
            .map(|e| e.to_string()),
        Policy::build(
            &org.planner(&settings.certifications),
            granularity,
            &Default::default(),
            chrono::Utc::now(),
        )
        .err()
        .map(|e| e.to_string()),
    ]
    .into_iter()
    .chain(org.sources.iter().map(|s| check_source(s).err()))
    .flatten()
    .collect()
}
