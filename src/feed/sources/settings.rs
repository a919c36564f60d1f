//! `[database]`, `[server]` and `[[sources]]`: what `skillsync serve` needs beyond the one-shot
//! commands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::FeedScope;
use crate::domain::Secret;

/// `[database]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` (production, replicas) or `sqlite://path` (one process); a secret, since it
    /// usually carries a password.
    pub url: Secret,
    /// Pool size.
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Secret::from("postgres://postgres@127.0.0.1:5432/skillsync"),
            max_connections: 10,
        }
    }
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// The API's address.
    pub listen: String,
    /// The Prometheus `/metrics` address (kept off the API port).
    pub metrics_listen: String,
    /// Largest accepted feed body, in MB.
    pub body_limit_mb: usize,
    /// Seconds to finish in-flight work after SIGTERM or SIGINT.
    pub grace_period_secs: u64,
    /// Tokens that may POST feeds, approve or reject jobs and start runs, by name (the name is
    /// what the audit log records).
    pub ingest_tokens: BTreeMap<String, Secret>,
    /// Tokens that may read; when none are configured, reads are open.
    pub read_tokens: BTreeMap<String, Secret>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: "127.0.0.1:9090".into(),
            body_limit_mb: 50,
            grace_period_secs: 30,
            ingest_tokens: BTreeMap::new(),
            read_tokens: BTreeMap::new(),
        }
    }
}

/// One `[[sources]]` entry: a feed pulled on a schedule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// Name recorded with each feed.
    pub name: String,
    /// A file glob; the newest match is read.
    #[serde(default)]
    pub path: Option<String>,
    /// An HTTP(S) URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Bearer token for `url`.
    #[serde(default)]
    pub bearer_token: Option<Secret>,
    /// `partial` or `snapshot`.
    #[serde(with = "scope_text")]
    pub scope: FeedScope,
    /// `csv` or `json`; from the extension (or the response's content type) when absent.
    #[serde(default)]
    pub format: Option<String>,
    /// Cron expression with seconds, e.g. `0 0 2 * * *`.
    pub cron: String,
    /// A newest file older than this many hours is an error (a stale export).
    #[serde(default)]
    pub max_age_hours: Option<f64>,
}

mod scope_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::FeedScope;

    pub fn serialize<S: Serializer>(scope: &FeedScope, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(scope.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FeedScope, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
