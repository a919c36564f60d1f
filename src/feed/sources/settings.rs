//! `[[sources]]`: where the daemon pulls feeds from and when. Only the settings; pulling them
//! is `pull.rs`, and it must not parse or store what it pulls.

use serde::{Deserialize, Serialize};

use crate::domain::FeedScope;
use crate::domain::Secret;

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
