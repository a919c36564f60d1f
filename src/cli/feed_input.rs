//! Reading the `--feed` of `plan` and `apply` exactly as `skillsync validate` reads it.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

use crate::domain::FeedScope;
use crate::feed::{
    read, FeedConfigError, FeedError, FeedFormat, FeedRules, FeedSettings, FeedSource, Rejection,
    ValidFeed,
};

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
    /// Neither `--format` nor the extension says how to read it.
    #[error("cannot tell the format of {0}: pass --feed-format csv or --feed-format json")]
    UnknownFormat(String),
    /// The file cannot be read.
    #[error("cannot read {name}: {error}")]
    Read {
        /// The feed's name.
        name: String,
        /// What failed.
        error: std::io::Error,
    },
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

/// Loads and validates the feed named by `args` (`-` reads `stdin`).
pub fn load(
    args: &FeedArgs,
    settings: &FeedSettings,
    stdin: impl Read,
) -> Result<ValidFeed, FeedInputError> {
    let rules = FeedRules::from_settings(settings)?;
    let from_stdin = args.feed.as_os_str() == "-";
    let name = if from_stdin {
        "<stdin>".to_string()
    } else {
        args.feed.display().to_string()
    };
    let format = args
        .feed_format
        .or_else(|| {
            (!from_stdin)
                .then(|| FeedFormat::from_path(&args.feed))
                .flatten()
        })
        .ok_or_else(|| FeedInputError::UnknownFormat(name.clone()))?;
    let source = FeedSource {
        name: name.clone(),
        format,
        scope: args.scope,
    };
    let outcome = if from_stdin {
        read(stdin, &source, &rules)
    } else {
        let file = File::open(&args.feed).map_err(|error| FeedInputError::Read {
            name: name.clone(),
            error,
        })?;
        read(file, &source, &rules)
    };
    outcome.map_err(|e| match e {
        FeedError::Rejected(rejection) => FeedInputError::Rejected(rejection),
        FeedError::Io { source_name, error } => FeedInputError::Read {
            name: source_name,
            error,
        },
    })
}
