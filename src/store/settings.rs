//! `[database]`: where the store lives and how many connections it may hold.

use serde::{Deserialize, Serialize};

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
