//! The one-shot commands `validate`, `plan`, `apply` and `skills sync`: read a feed, talk to the
//! platform, print a report. `main.rs` only parses arguments and calls these.

pub mod apply;
pub mod audit;
mod feed_input;
mod plan;
mod render;
mod skill_catalog;
mod skills_report;
mod skills_retire;
mod skills_sync;
mod validate;

use chrono::Utc;

pub use apply::{run_apply, ApplyArgs};
pub use feed_input::{load, FeedArgs, FeedInputError};
pub use plan::{run_plan, PlanArgs};
pub use skill_catalog::{classify, skills_used, CatalogCheck, MissingSkill};
pub use skills_report::{CreatedSkill, FailedSkill, RefusedSkill, SkillsSyncReport};
pub use skills_retire::{retiring_names, run_retire, RetireArgs};
pub use skills_sync::{run_skills_sync, SkillsSyncArgs};
pub use validate::run_validate;

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
    /// `validate` could not judge the feed at all.
    #[error(transparent)]
    Validate(#[from] crate::feed::cli::ValidateError),
    /// The ownership or certification configuration is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The platform could not be reached or configured.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// The audit record cannot be kept.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    /// The configuration cannot run as one command (several orgs, for now).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A retirement could not be recorded.
    #[error(transparent)]
    Retire(#[from] crate::retire::RetireError),
    /// The daemon's database could not be used.
    #[error("database: {0}")]
    Store(crate::store::StoreError),
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// `--format` of `plan`, `apply` and `skills sync`: the report's format.
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

/// The settings of the one org a command runs; several orgs are refused rather than all but one
/// silently ignored.
fn single_org(settings: &Settings) -> Result<Settings, CliError> {
    Ok(settings.clone().into_single_org()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plan_and_apply_refuse_several_orgs_before_reading_the_feed() {
        let env = config::Environment::with_prefix(crate::config::ENV_PREFIX)
            .source(Some(Default::default()));
        let settings = Settings::load_from_toml("[orgs.acme]\n[orgs.beta]", env).expect("loads");
        let feed = FeedArgs {
            feed: "-".into(),
            scope: crate::domain::FeedScope::Partial,
            feed_format: None,
        };
        let plan = PlanArgs {
            feed: feed.clone(),
            format: OutputFormat::Text,
            detailed_exitcode: false,
        };
        let err = run_plan(&plan, &settings, std::io::empty(), &mut Vec::new())
            .await
            .expect_err("refused");
        assert!(matches!(err, CliError::Config(_)), "{err:?}");
        assert!(err.to_string().contains("acme, beta"), "{err}");
        let apply = ApplyArgs {
            feed,
            approve: false,
            settle: None,
            format: OutputFormat::Text,
            audit: None,
            database: None,
        };
        let err = run_apply(&apply, &settings, std::io::empty(), &mut Vec::new())
            .await
            .expect_err("refused");
        assert!(matches!(err, CliError::Config(_)), "{err:?}");
    }
}
