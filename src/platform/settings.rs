//! `[platform]` settings: which connector, where, as whom, and how fast. Plain data read by
//! the configuration loader; it must not decide anything or reach the network.

use serde::{Deserialize, Serialize};

use crate::domain::Secret;

/// Where and as whom skillsync talks to the platform.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSettings {
    /// Platform family: `genesys` (NICE CXone's connector is being built).
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
    /// Genesys Cloud: the division (by name) skills skillsync creates go into; empty: the home
    /// division.
    #[serde(default)]
    pub division: String,
    /// NICE CXone access key id (empty for other platforms).
    #[serde(default)]
    pub access_key_id: String,
    /// NICE CXone access key secret; redacted when printed.
    #[serde(default = "no_secret")]
    pub access_key_secret: Secret,
    /// NICE CXone area (`na1`, `au1`, `eu1`, …) whose discovery document names the API and
    /// login hosts; used only when `base_url` is empty.
    #[serde(default)]
    pub area: String,
    /// NICE CXone REST API version, the path segment `services/{api_version}/`.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// NICE CXone: the largest agent list one multi-agent write carries. Listings use
    /// `users_page_size` as their `top`.
    #[serde(default = "default_write_batch_size")]
    pub write_batch_size: u32,
}

fn no_secret() -> Secret {
    Secret::from("")
}

fn default_api_version() -> String {
    "v33.0".into()
}

fn default_write_batch_size() -> u32 {
    50
}

/// The settle time when `reconcile.settle_secs` is not set: how long the platform takes to show
/// and route by a written skill. NICE documents up to five minutes for CXone routing.
pub fn default_settle_secs(kind: &str) -> f64 {
    match kind {
        "cxone" => 300.0,
        _ => 60.0,
    }
}
