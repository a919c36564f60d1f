//! The two feed file formats.

use std::path::Path;
use std::str::FromStr;

/// The two feed file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    /// One assignment per row under a header.
    Csv,
    /// `{"agents": [...]}`.
    Json,
}

impl FeedFormat {
    /// The format a file name's extension says (`.csv`, `.json`), if any.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?;
        extension.parse().ok()
    }

    /// `csv` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

/// A format spelled other than `csv` or `json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown feed format {0:?}: expected csv or json")]
pub struct UnknownFormat(pub String);

impl FromStr for FeedFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}
