//! `[server]`: the API and metrics listeners, body limit, grace period, tokens, and the bounds
//! that keep slow or many clients from exhausting the process. Settings only; must not hold
//! anything that is built from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ApiToken;

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
    /// Seconds a client has to send a request's line and headers, counted from the connection
    /// (or the previous response); also how long an idle keep-alive connection is kept.
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a whole request body, counted from its headers.
    pub body_timeout_secs: u64,
    /// Open connections per listener; past it, new connections wait in the kernel's backlog.
    pub max_connections: usize,
    /// Feeds POSTed at once; another one is answered 503 with `Retry-After`.
    pub max_concurrent_ingests: usize,
    /// Tokens that may POST feeds, approve or reject jobs and start runs, by name (the name is
    /// what the audit log records); each for every org, or only the orgs it names.
    pub ingest_tokens: BTreeMap<String, ApiToken>,
    /// Tokens that may read; when none are configured, reads are open.
    pub read_tokens: BTreeMap<String, ApiToken>,
}

/// Shortest token accepted: a guessable token is an open door with a lock drawn on it.
pub const MIN_TOKEN_LEN: usize = 16;

/// Longest timeout accepted: a day is already no bound on a slow client, and a far larger one
/// would overflow the timer's clock.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;

/// Most connections per listener accepted: each is a file descriptor, and the process has a few
/// thousand at best.
pub const MAX_CONNECTIONS: usize = 65_536;

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
                if token.orgs().is_some_and(|orgs| orgs.is_empty()) {
                    return Err(format!(
                        "server.{table}.{name}: orgs = [] would make the token useless; name \
                         its orgs, or leave orgs out for every org"
                    ));
                }
            }
        }
        for (key, secs) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("body_timeout_secs", self.body_timeout_secs),
        ] {
            if !(1..=MAX_TIMEOUT_SECS).contains(&secs) {
                return Err(format!(
                    "server.{key} = {secs}: must be 1 to {MAX_TIMEOUT_SECS} seconds (0 would \
                     let a slow client hold a connection for ever)"
                ));
            }
        }
        if !(1..=MAX_CONNECTIONS).contains(&self.max_connections) {
            return Err(format!(
                "server.max_connections = {}: must be 1 to {MAX_CONNECTIONS}",
                self.max_connections
            ));
        }
        if !(1..=self.max_connections).contains(&self.max_concurrent_ingests) {
            return Err(format!(
                "server.max_concurrent_ingests = {}: must be 1 to server.max_connections ({})",
                self.max_concurrent_ingests, self.max_connections
            ));
        }
        Ok(())
    }

    /// Whether every org a token is limited to is one of `orgs` (the configured org names): a
    /// misspelt org would otherwise lock its sender out with nothing but 403s to show.
    pub fn check_orgs(&self, orgs: &[&str]) -> Result<(), String> {
        for (table, tokens) in [
            ("ingest_tokens", &self.ingest_tokens),
            ("read_tokens", &self.read_tokens),
        ] {
            for (name, token) in tokens {
                let named = token.orgs().unwrap_or_default();
                if let Some(unknown) = named.iter().find(|o| !orgs.contains(&o.as_str())) {
                    return Err(format!(
                        "server.{table}.{name}: org {unknown:?} is not configured (the orgs are: \
                         {})",
                        orgs.join(", ")
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
            header_read_timeout_secs: 10,
            body_timeout_secs: 120,
            max_connections: 256,
            max_concurrent_ingests: 4,
            ingest_tokens: BTreeMap::new(),
            read_tokens: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Secret;

    #[test]
    fn short_tokens_are_refused_naming_the_key_and_never_the_token() {
        let mut server = ServerSettings::default();
        assert_eq!(server.check(), Ok(()));
        server
            .ingest_tokens
            .insert("wfm".into(), Secret::from("0123456789abcdef\n").into());
        assert_eq!(server.check(), Ok(()), "16 characters once trimmed");
        server
            .read_tokens
            .insert("grafana".into(), Secret::from("x").into());
        let refused = server.check().expect_err("one character");
        assert!(
            refused.starts_with("server.read_tokens.grafana:"),
            "{refused}"
        );
        assert!(!refused.contains("\"x\""), "{refused}");
    }

    #[test]
    fn unbounded_or_zero_limits_are_refused_naming_the_key() {
        type Spoil = fn(&mut ServerSettings);
        let cases: [(&str, Spoil); 5] = [
            ("header_read_timeout_secs", |s| {
                s.header_read_timeout_secs = 0
            }),
            ("body_timeout_secs", |s| s.body_timeout_secs = u64::MAX),
            ("max_connections", |s| s.max_connections = 0),
            ("max_concurrent_ingests", |s| s.max_concurrent_ingests = 0),
            ("max_concurrent_ingests", |s| {
                s.max_connections = 2;
                s.max_concurrent_ingests = 3;
            }),
        ];
        for (key, spoil) in cases {
            let mut server = ServerSettings::default();
            spoil(&mut server);
            let refused = server.check().expect_err(key);
            assert!(refused.starts_with(&format!("server.{key} =")), "{refused}");
        }
    }

    #[test]
    fn a_token_naming_an_org_that_is_not_configured_is_refused_naming_it() {
        let mut server = ServerSettings::default();
        let scoped = |orgs: &[&str]| {
            ApiToken::for_orgs(
                Secret::from("0123456789abcdef"),
                orgs.iter().map(|o| o.to_string()).collect(),
            )
        };
        server.read_tokens.insert("acme".into(), scoped(&["acme"]));
        server
            .ingest_tokens
            .insert("all".into(), Secret::from("fedcba9876543210").into());
        assert_eq!(server.check(), Ok(()));
        assert_eq!(server.check_orgs(&["acme", "beta"]), Ok(()));
        let refused = server.check_orgs(&["beta"]).expect_err("acme unknown");
        assert!(refused.starts_with("server.read_tokens.acme:"), "{refused}");
        assert!(refused.contains("\"acme\""), "{refused}");
        assert!(!refused.contains("0123456789abcdef"), "{refused}");
        server.read_tokens.insert("none".into(), scoped(&[]));
        let refused = server.check().expect_err("no orgs");
        assert!(refused.starts_with("server.read_tokens.none:"), "{refused}");
    }
}
