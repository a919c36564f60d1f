//! `skillsync apply --feed FILE`: makes the platform match and prints what it did. A progress
//! bar on a terminal, log lines otherwise.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

mod report;
mod rounds;
#[cfg(test)]
mod rounds_tests;

pub use report::{AgentFailure, ApplyError, ApplyReport};
pub use rounds::{run, AgentJournals, Event, Options};

use super::audit::Audit;
use super::{prepare, render, CliError, FeedArgs, OutputFormat, Prepared};
use crate::config::Settings;
use crate::platform::Platform;

/// Arguments of `skillsync apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// The feed, read as `skillsync validate` reads it.
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Apply even when the plan trips a safety threshold ([safety]).
    #[arg(long)]
    pub approve: bool,
    /// Seconds to wait after writing before verifying (default: reconcile.settle_secs).
    #[arg(long, value_name = "SECS")]
    pub settle: Option<f64>,
    /// The report: `text` or `json`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// The audit record, JSON Lines appended to (default: `<feed>.audit.jsonl` beside the
    /// feed; required with `--feed -` unless `--database` is given).
    #[arg(long, value_name = "FILE", conflicts_with = "database")]
    pub audit: Option<PathBuf>,
    /// Journal the writes into this database's audit table instead of a file
    /// (`postgres://…` or `sqlite://…`, as `database.url`); created and migrated if needed.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// Runs `apply`; returns the exit code: 0 only when every agent converged.
pub async fn run_apply(
    args: &ApplyArgs,
    settings: &Settings,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<i32, CliError> {
    let org = settings.single_org()?.name;
    let settings = &super::single_org(settings)?;
    let Prepared {
        feed,
        platform,
        policy,
    } = prepare(&args.feed, settings, stdin)?;
    let mut reconcile = settings.reconcile.clone();
    if let Some(settle) = args.settle {
        reconcile.settle_secs = settle;
    }
    let options = Options {
        policy: &policy,
        safety: &settings.safety,
        reconcile: &reconcile,
        approve: args.approve,
        concurrency: settings.platform.max_concurrency,
    };
    // Opened before the platform is read: a record that cannot be kept stops the run before
    // any write.
    let audit = Audit::open(
        args.audit.as_deref(),
        args.database.as_deref(),
        &org,
        &args.feed.feed,
    )
    .await?;
    tracing::info!(audit = %audit.location(), "recording every write");
    let progress = Progress::new();
    let result = run(&platform, &audit, &feed.state, &options, &|e| {
        progress.on(e)
    })
    .await;
    progress.finish();
    // Every result recorded, or the command fails after its report.
    let recorded = audit.finish().await;
    let code = report(args, &platform, result, out)?;
    recorded?;
    Ok(code)
}

/// Prints the report or the held plan; returns the exit code.
fn report(
    args: &ApplyArgs,
    platform: &impl Platform,
    result: Result<ApplyReport, ApplyError>,
    out: &mut impl Write,
) -> Result<i32, CliError> {
    match result {
        Ok(report) => {
            match args.format {
                OutputFormat::Text => render::apply_text(out, &report)?,
                OutputFormat::Json => render::apply_json(out, &report)?,
            }
            Ok(if report.converged() { 0 } else { 1 })
        }
        Err(ApplyError::Held(violations, plan)) => {
            match args.format {
                OutputFormat::Text => {
                    render::plan_text(out, &plan, &violations)?;
                    writeln!(
                        out,
                        "\nNothing was written. Review the plan and run again with --approve to apply it."
                    )?;
                }
                // The plan document, whose non-empty `safety` says why nothing was written.
                OutputFormat::Json => {
                    render::plan_json(out, &plan, &violations, &platform.calls())?
                }
            }
            Ok(1)
        }
        Err(ApplyError::Observe(e)) => Err(e.into()),
    }
}

/// A progress bar on a terminal; otherwise a log line per round, per tenth of the agents and per
/// failure.
struct Progress {
    bar: Option<ProgressBar>,
    total: AtomicUsize,
    done: AtomicUsize,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {msg} [{bar:40}] {pos}/{len} agents ({eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    fn on(&self, event: Event<'_>) {
        match event {
            Event::Round { number, agents } => {
                self.total.store(agents, Ordering::Relaxed);
                self.done.store(0, Ordering::Relaxed);
                match &self.bar {
                    Some(bar) => {
                        bar.set_length(agents as u64);
                        bar.set_position(0);
                        bar.set_message(format!("round {number}"));
                    }
                    None => tracing::info!(round = number, agents, "writing"),
                }
            }
            Event::AgentDone { agent, ok } => {
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                } else {
                    let total = self.total.load(Ordering::Relaxed).max(1);
                    if done == total || done % (total / 10).max(1) == 0 {
                        tracing::info!(done, total, "agents written");
                    }
                }
                if !ok {
                    tracing::warn!(agent, "agent failed; see the summary");
                }
            }
            Event::Settling { wait, agents } => match &self.bar {
                Some(bar) => bar.set_message(format!(
                    "verifying {agents} agents in {:.0} s",
                    wait.as_secs_f64()
                )),
                None => tracing::info!(
                    agents,
                    seconds = wait.as_secs_f64(),
                    "waiting for the platform to settle before verifying"
                ),
            },
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
