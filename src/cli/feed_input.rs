//! Reading the `--feed` of `plan` and `apply` exactly as `skillsync validate` reads it.

use std::io::Read;
use std::path::PathBuf;

use crate::domain::{FeedScope, Granularity};
use crate::feed::cli::{read_named, NamedFeedError};
use crate::feed::{FeedConfigError, FeedFormat, FeedRules, FeedSettings, Rejection, ValidFeed};

/// The feed options of `plan` and `apply`. `--format` is theirs for the report, so the feed's
/// format is `--feed-format` (or the file's extension).
#[derive(Debug, Clone, clap::Args)]
pub struct FeedArgs {
    /// The feed file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub feed: PathBuf,
    /// `partial` (only the agents listed are affected) or `snapshot` (the complete desired state).
    #[arg(long, default_value = "partial", value_name = "partial|snapshot")]
    pub scope: FeedScope,
    /// `csv` or `json`; taken from the file's extension when not given.
    #[arg(long, value_name = "csv|json")]
    pub feed_format: Option<FeedFormat>,
}

/// Why the feed is not usable.
#[derive(Debug, thiserror::Error)]
pub enum FeedInputError {
    /// The `[feed]` configuration is invalid.
    #[error(transparent)]
    Config(#[from] FeedConfigError),
    /// Neither `--feed-format` nor the extension says how to read it.
    #[error("{0}: pass --feed-format csv or --feed-format json")]
    UnknownFormat(NamedFeedError),
    /// The file cannot be read.
    #[error(transparent)]
    Read(NamedFeedError),
    /// The feed breaks rules; nothing is applied.
    #[error("{}", describe(.0))]
    Rejected(Box<Rejection>),
}

fn describe(rejection: &Rejection) -> String {
    let mut text = format!("{rejection}; nothing was changed");
    for line in rejection.lines() {
        text.push_str("\n  error: ");
        text.push_str(&line);
    }
    text
}

/// Loads and validates the feed named by `args` (`-` reads `stdin`) for the platform
/// `granularity` describes.
pub fn load(
    args: &FeedArgs,
    settings: &FeedSettings,
    granularity: &Granularity,
    stdin: impl Read,
) -> Result<ValidFeed, FeedInputError> {
    let rules = FeedRules::from_settings(settings, granularity)?;
    let (_, outcome) = read_named(&args.feed, args.scope, args.feed_format, &rules, stdin)
        .map_err(|e| match e {
            NamedFeedError::UnknownFormat(_) => FeedInputError::UnknownFormat(e),
            NamedFeedError::Read { .. } => FeedInputError::Read(e),
        })?;
    outcome.map_err(FeedInputError::Rejected)
}
