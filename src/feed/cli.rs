//! `skillsync validate`: reads one feed from a file or standard input and prints a summary or
//! every error, like `terraform validate`. The only part of `feed` that opens files; it never
//! touches a platform or a database.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::domain::FeedScope;

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
}

/// Why `validate` could not judge the feed at all.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The `[feed]` configuration is invalid.
    #[error(transparent)]
    Config(#[from] FeedConfigError),
    /// Neither `--format` nor the extension says how to read the feed.
    #[error("cannot tell the format of {0}: pass --format csv or --format json")]
    UnknownFormat(String),
    /// The feed file cannot be opened or read.
    #[error("cannot read {name}: {error}")]
    Read {
        /// The feed's name.
        name: String,
        /// What failed.
        #[source]
        error: io::Error,
    },
    /// The report cannot be written.
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
}

/// Validates the feed named by `args`, reading `-` from `stdin`, and writes the report to
/// `out`. Returns whether the feed is valid.
pub fn validate(
    args: &ValidateArgs,
    settings: &FeedSettings,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<bool, ValidateError> {
    let rules = FeedRules::from_settings(settings)?;
    let from_stdin = args.feed.as_os_str() == "-";
    let name = if from_stdin {
        "<stdin>".to_owned()
    } else {
        args.feed.display().to_string()
    };
    let format = args
        .format
        .or_else(|| {
            (!from_stdin)
                .then(|| FeedFormat::from_path(&args.feed))
                .flatten()
        })
        .ok_or_else(|| ValidateError::UnknownFormat(name.clone()))?;
    let source = FeedSource {
        name: name.clone(),
        format,
        scope: args.scope,
    };
    let outcome = if from_stdin {
        read(stdin, &source, &rules)
    } else {
        let file = open(&args.feed, &name)?;
        read(file, &source, &rules)
    };
    match outcome {
        Ok(feed) => {
            write_summary(out, &source, &feed)?;
            Ok(true)
        }
        Err(FeedError::Rejected(rejection)) => {
            writeln!(out, "{rejection} ({}, {})", source.format, source.scope)?;
            for line in rejection.lines() {
                writeln!(out, "error: {line}")?;
            }
            write_warnings(out, &name, &rejection.warnings)?;
            Ok(false)
        }
        Err(FeedError::Io { source_name, error }) => Err(ValidateError::Read {
            name: source_name,
            error,
        }),
    }
}

fn open(path: &Path, name: &str) -> Result<File, ValidateError> {
    File::open(path).map_err(|error| ValidateError::Read {
        name: name.to_owned(),
        error,
    })
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
