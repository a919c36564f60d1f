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

/// Shortest token accepted: a guessable token is an open door with a lock drawn on it.
pub const MIN_TOKEN_LEN: usize = 16;

impl ServerSettings {
    /// What would make a token useless or unsafe, found at start-up: an empty or short one
    /// (trimmed, as it is compared). Names the key, never the token.
    pub fn check(&self) -> Result<(), String> {
        for (table, tokens) in [
            ("ingest_tokens", &self.ingest_tokens),
            ("read_tokens", &self.read_tokens),
        ] {
            for (name, token) in tokens {
                let len = token.expose().trim().chars().count();
                if len < MIN_TOKEN_LEN {
                    return Err(format!(
                        "server.{table}.{name}: a token needs at least {MIN_TOKEN_LEN} characters \
                         (this one has {len} after trimming)"
                    ));
                }
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tokens_are_refused_naming_the_key_and_never_the_token() {
        let mut server = ServerSettings::default();
        assert_eq!(server.check(), Ok(()));
        server
            .ingest_tokens
            .insert("wfm".into(), Secret::from("0123456789abcdef\n"));
        assert_eq!(server.check(), Ok(()), "16 characters once trimmed");
        server
            .read_tokens
            .insert("grafana".into(), Secret::from("x"));
        let refused = server.check().expect_err("one character");
        assert!(
            refused.starts_with("server.read_tokens.grafana:"),
            "{refused}"
        );
        assert!(!refused.contains("\"x\""), "{refused}");
    }
}
