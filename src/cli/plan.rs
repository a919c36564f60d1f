//! `skillsync plan --feed FILE`: what would change; makes no write call.

use std::io::{Read, Write};

use super::{prepare, render, CliError, FeedArgs, OutputFormat, Prepared};
use crate::config::Settings;
use crate::planner::{check_safety, holders_of, live_snapshot_baseline, plan};
use crate::platform::Platform;

/// Arguments of `skillsync plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// The feed, read as `skillsync validate` reads it.
    #[command(flatten)]
    pub feed: FeedArgs,
    /// The report: `text` (like `terraform plan`) or `json`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 0 when there is nothing to change, 2 when there is, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Runs `plan`; returns the process exit code.
pub async fn run_plan(
    args: &PlanArgs,
    settings: &Settings,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<i32, CliError> {
    let settings = &super::single_org(settings)?;
    let prepared: Prepared = prepare(&args.feed, settings, stdin)?;
    let (feed, platform, policy) = (prepared.feed, prepared.platform, prepared.policy);
    let live = platform.observe().await?;
    let plan = plan(&feed.state, &live, &policy);
    let snapshot = live_snapshot_baseline(&feed.state, &plan);
    let violations = check_safety(&plan, &settings.safety, snapshot, &holders_of(&live));
    match args.format {
        OutputFormat::Text => render::plan_text(out, &plan, &violations)?,
        OutputFormat::Json => render::plan_json(out, &plan, &violations, &platform.calls())?,
    }
    Ok(match (args.detailed_exitcode, plan.is_empty()) {
        (true, false) => 2,
        _ => 0,
    })
}
