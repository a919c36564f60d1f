//! The one-shot commands `plan` and `apply`: read a feed, talk to the platform, print a report.
//! `main.rs` only parses arguments and calls these.

pub mod apply;
pub mod audit;
mod feed_input;
mod plan;
mod render;

use chrono::Utc;

pub use apply::{run_apply, ApplyArgs};
pub use feed_input::{load, FeedArgs, FeedInputError};
pub use plan::{run_plan, PlanArgs};

use crate::config::Settings;
use crate::domain::{DesiredState, Granularity, SeenNames};
use crate::planner::{Policy, PolicyError};
use crate::platform::scales;
use crate::platform::Connector;
use crate::platform::{Platform, PlatformError};

/// Why a command could not do its job (as opposed to reporting differences).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The feed is unusable.
    #[error(transparent)]
    Feed(#[from] FeedInputError),
    /// The ownership or certification configuration is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The platform could not be reached or configured.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// The audit record cannot be kept.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// `--format` of `plan` and `apply`: the report's format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// For people.
    #[default]
    Text,
    /// For programs.
    Json,
}

/// The planner policy for one desired state: the managed scope defaults to the names this feed
/// mentions (the daemon widens it to every feed it has seen).
pub fn policy_for(
    settings: &Settings,
    state: &DesiredState,
    granularity: Granularity,
) -> Result<Policy, PolicyError> {
    Policy::build(
        &settings.planner(),
        granularity,
        &SeenNames::of(state),
        Utc::now(),
    )
}

/// What `plan` and `apply` both start from.
struct Prepared {
    feed: crate::feed::ValidFeed,
    platform: Connector,
    policy: Policy,
}

/// Reads the feed, connects to the platform and builds the policy for the feed.
fn prepare(
    args: &FeedArgs,
    settings: &Settings,
    stdin: impl std::io::Read,
) -> Result<Prepared, CliError> {
    let granularity = scales::granularity_or_genesys(&settings.platform.kind);
    let feed = load(args, &settings.feed, &granularity, stdin)?;
    let platform = Connector::from_settings(&settings.platform)?;
    let policy = policy_for(settings, &feed.state, platform.granularity())?;
    Ok(Prepared {
        feed,
        platform,
        policy,
    })
}
