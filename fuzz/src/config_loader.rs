//! The config loader: arbitrary TOML over the embedded defaults, plus `SKILLSYNC__…` variables,
//! through `Settings::load_from_toml` and the checks `skillsync serve` makes before it binds. It
//! never panics; a bad configuration is a typed error that names what is wrong.

use std::collections::HashMap;

use skillsync::config::{ConfigError, Settings, ENV_PREFIX};
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
    /// Not loadable: a syntax error, an unknown key or a value of the wrong type.
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
            assert!(matches!(error, ConfigError::Invalid(_)), "{error:?}");
            assert!(error.to_string().len() > "invalid configuration: ".len());
            return ConfigVerdict::Invalid;
        }
    };
    // `print-config` must not panic on whatever loaded. It may answer "# cannot render": a
    // float such as `inf` given for an integer loads as an integer TOML cannot hold (found by
    // this check; the connector refuses such numbers, see fuzz/README.md).
    let _ = settings.to_redacted_toml();
    let granularity = scales::granularity_or_genesys(&settings.platform.kind);
    let refusals = [
        settings.server.check().err(),
        skillsync::platform::Connector::from_settings(&settings.platform)
            .err()
            .map(|e| e.to_string()),
        FeedRules::from_settings(&settings.feed, &granularity)
            .err()
            .map(|e| e.to_string()),
        settings.webhook.validate().err().map(|e| e.to_string()),
        Policy::build(
            &settings.planner(),
            granularity,
            &Default::default(),
            chrono::Utc::now(),
        )
        .err()
        .map(|e| e.to_string()),
    ]
    .into_iter()
    .chain(settings.sources.iter().map(|s| check_source(s).err()))
    .flatten()
    .collect::<Vec<_>>();
    for refusal in &refusals {
        assert!(!refusal.trim().is_empty(), "a refusal names what is wrong");
    }
    if refusals.is_empty() {
        ConfigVerdict::Usable
    } else {
        ConfigVerdict::Refused
    }
}
