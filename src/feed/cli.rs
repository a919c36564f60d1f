//! `skillsync validate`: reads one feed from a file or standard input and prints a summary or
//! every error, like `terraform validate`. The only part of `feed` that opens files; it never
//! touches a platform or a database (`--check-platform` is run by the caller, in `cli`).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::domain::{FeedScope, Granularity};

use super::{
    read, FeedConfigError, FeedError, FeedFormat, FeedRules, FeedSettings, FeedSource, ValidFeed,
};

/// Arguments of `skillsync validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// The feed file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub feed: PathBuf,
    /// `partial` (only the agents listed are affected) or `snapshot` (the complete desired state).
    #[arg(long, default_value = "partial", value_name = "partial|snapshot")]
    pub scope: FeedScope,
    /// `csv` or `json`; taken from the file's extension when not given.
    #[arg(long, value_name = "csv|json")]
    pub format: Option<FeedFormat>,
    /// Also check, with one read of the org's skill definitions, that every skill the feed uses
    /// exists on the platform; a missing one fails validation unless
    /// `platform.create_missing_skills` is set.
    #[arg(long)]
    pub check_platform: bool,
}

/// Why `validate` could not judge the feed at all.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The `[feed]` configuration is invalid.
    #[error(transparent)]
    Config(#[from] FeedConfigError),
    /// Neither `--format` nor the extension says how to read the feed.
    #[error("{0}: pass --format csv or --format json")]
    UnknownFormat(NamedFeedError),
    /// The feed file cannot be opened or read.
    #[error(transparent)]
    Read(NamedFeedError),
    /// The report cannot be written.
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
}

/// A feed named on a command line could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum NamedFeedError {
    /// Neither the given format nor the extension says how to read it.
    #[error("cannot tell the format of {0}")]
    UnknownFormat(String),
    /// The file cannot be opened or read.
    #[error("cannot read {name}: {error}")]
    Read {
        /// The feed's name.
        name: String,
        /// What failed.
        #[source]
        error: io::Error,
    },
}

/// Reads the feed at `path` (`-` is `stdin`) in `format`, or the format its extension says —
/// the one way `validate`, `plan` and `apply` read feeds. Returns the source and the outcome.
pub fn read_named(
    path: &Path,
    scope: FeedScope,
    format: Option<FeedFormat>,
    rules: &FeedRules,
    stdin: impl Read,
) -> Result<(FeedSource, Result<ValidFeed, Box<super::Rejection>>), NamedFeedError> {
    let from_stdin = path.as_os_str() == "-";
    let name = if from_stdin {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let format = format
        .or_else(|| (!from_stdin).then(|| FeedFormat::from_path(path)).flatten())
        .ok_or_else(|| NamedFeedError::UnknownFormat(name.clone()))?;
    let source = FeedSource {
        name,
        format,
        scope,
    };
    let outcome = if from_stdin {
        read(stdin, &source, rules)
    } else {
        let file = File::open(path).map_err(|error| NamedFeedError::Read {
            name: source.name.clone(),
            error,
        })?;
        read(file, &source, rules)
    };
    match outcome {
        Ok(feed) => Ok((source, Ok(feed))),
        Err(FeedError::Rejected(rejection)) => Ok((source, Err(rejection))),
        Err(FeedError::Io { source_name, error }) => Err(NamedFeedError::Read {
            name: source_name,
            error,
        }),
    }
}

/// Validates the feed named by `args`, reading `-` from `stdin`, and writes the report to
/// `out`. Returns whether the feed is valid.
pub fn validate(
    args: &ValidateArgs,
    settings: &FeedSettings,
    granularity: &Granularity,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<bool, ValidateError> {
    validate_feed(args, settings, granularity, stdin, out).map(|feed| feed.is_some())
}

/// As [`validate`], returning the accepted feed (`None`: invalid, errors written) for checks
/// that go beyond the feed itself.
pub fn validate_feed(
    args: &ValidateArgs,
    settings: &FeedSettings,
    granularity: &Granularity,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<Option<ValidFeed>, ValidateError> {
    let rules = FeedRules::from_settings(settings, granularity)?;
    let (source, outcome) = read_named(&args.feed, args.scope, args.format, &rules, stdin)
        .map_err(|e| match e {
            NamedFeedError::UnknownFormat(_) => ValidateError::UnknownFormat(e),
            NamedFeedError::Read { .. } => ValidateError::Read(e),
        })?;
    match outcome {
        Ok(feed) => {
            write_summary(out, &source, &feed)?;
            Ok(Some(feed))
        }
        Err(rejection) => {
            writeln!(out, "{rejection} ({}, {})", source.format, source.scope)?;
            for line in rejection.lines() {
                writeln!(out, "error: {line}")?;
            }
            write_warnings(out, &source.name, &rejection.warnings)?;
            Ok(None)
        }
    }
}

fn write_summary(out: &mut impl Write, source: &FeedSource, feed: &ValidFeed) -> io::Result<()> {
    let counts = feed.counts;
    writeln!(
        out,
        "{}: valid ({}, {})",
        source.name, source.format, source.scope
    )?;
    writeln!(out, "  agents          {}", counts.agents)?;
    writeln!(out, "  skills          {}", counts.skills)?;
    writeln!(out, "  languages       {}", counts.languages)?;
    writeln!(out, "  certifications  {}", counts.certifications)?;
    writeln!(out, "  sha256          {}", feed.hash)?;
    writeln!(out, "  warnings        {}", feed.warnings.total())?;
    write_warnings(out, &source.name, &feed.warnings)
}

fn write_warnings(
    out: &mut impl Write,
    name: &str,
    warnings: &super::Capped<super::Warning>,
) -> io::Result<()> {
    for warning in warnings.items() {
        writeln!(out, "warning: {name}: {warning}")?;
    }
    if warnings.omitted() > 0 {
        writeln!(
            out,
            "warning: {name}: … and {} more warning(s) not shown",
            warnings.omitted()
        )?;
    }
    Ok(())
}
