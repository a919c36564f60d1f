//! `[platform]` settings: which connector, where, as whom, and how fast. Plain data read by
//! the configuration loader; it must not decide anything or reach the network.

use serde::{Deserialize, Serialize};

use crate::domain::Secret;

/// Where and as whom skillsync talks to the platform.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSettings {
    /// Platform family; only `genesys` today.
    pub kind: String,
    /// Genesys Cloud region domain, e.g. `mypurecloud.de`.
    #[serde(default)]
    pub region: String,
    /// API base URL; takes precedence over `region`.
    #[serde(default)]
    pub base_url: String,
    /// OAuth client id (client-credentials grant).
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: Secret,
    /// The request budget per minute of this OAuth client (the platform's default is 300).
    pub requests_per_minute: u32,
    /// Agents worked on at the same time.
    pub max_concurrency: usize,
    /// Seconds before one HTTP request is abandoned (and retried).
    pub request_timeout_secs: u64,
    /// Seconds to establish a connection.
    pub connect_timeout_secs: u64,
    /// Retries of a call after a transient failure (5xx, timeout, connection error).
    pub max_retries: u32,
    /// Users per page when listing (the largest the platform allows).
    pub users_page_size: u32,
    /// Skill and language definitions per page when listing.
    pub definitions_page_size: u32,
    /// Create skills that a feed names but the platform does not define (otherwise an error for
    /// the agents that need them).
    pub create_missing_skills: bool,
}
