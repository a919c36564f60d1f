//! `[server]`: the API and metrics listeners, body limit, grace period and tokens. Settings
//! only; must not hold anything that is built from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::Secret;

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
