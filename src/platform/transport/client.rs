//! The HTTP client every connector sends through: one user agent, the configured timeouts, and
//! as many idle connections as agents are worked on at once.

use std::time::Duration;

use crate::platform::error::PlatformError;
use crate::platform::PlatformSettings;

/// A client for `settings`' platform.
pub fn http_client(settings: &PlatformSettings) -> Result<reqwest::Client, PlatformError> {
    reqwest::Client::builder()
        .user_agent(concat!("skillsync/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(settings.request_timeout_secs.max(1)))
        .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
        .pool_max_idle_per_host(settings.max_concurrency.max(1))
        .build()
        .map_err(|e| PlatformError::Config(format!("HTTP client: {e}")))
}
