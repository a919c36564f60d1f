//! `skillsync skills sync --feed FILE [--create]` (issue 16): lists the skills a feed uses that
//! the org lacks and, only when asked, creates them, one call each. `skills retire` will sit
//! beside it; the names it is retiring are handed in as `refused` and never created here.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use super::skill_catalog::{check_feed, MissingSkill};
use super::skills_report::{CreatedSkill, FailedSkill, RefusedSkill, SkillsSyncReport};
use super::{load, CliError, FeedArgs, FeedInputError, OutputFormat};
use crate::config::Settings;
use crate::feed::ValidFeed;
use crate::platform::{scales, Connector, Platform, PlatformError};

/// Arguments of `skillsync skills sync`.
#[derive(Debug, Clone, clap::Args)]
pub struct SkillsSyncArgs {
    /// The feed, read as `skillsync validate` reads it; its skill names (and the gate skills of
    /// the certifications it names) are checked.
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Create the missing skills (with the feed's `description`, where the platform keeps one).
    /// Without it nothing is written.
    #[arg(long)]
    pub create: bool,
    /// The report: `text` or `json`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Runs `skills sync` and returns the exit code: without `--create` 0 when nothing is missing,
/// 2 when something is; with it 0 when every missing skill was created, 1 otherwise. An invalid
/// feed prints its errors and is 1. `refused` maps names that must never be created (skills
/// being retired) to the reason shown.
pub async fn run_skills_sync(
    args: &SkillsSyncArgs,
    settings: &Settings,
    refused: &BTreeMap<String, String>,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<i32, CliError> {
    let settings = &super::single_org(settings)?;
    let granularity = scales::granularity_or_genesys(&settings.platform.kind);
    let feed = match load(&args.feed, &settings.feed, &granularity, stdin) {
        Ok(feed) => feed,
        Err(FeedInputError::Rejected(rejection)) => {
            super::skills_report::rejected(out, args.format, &rejection)?;
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    let platform = Connector::from_settings(&settings.platform)?;
    let check = check_feed(&platform, &feed, &settings.feed.certifications).await?;
    let mut report = SkillsSyncReport {
        feed: args.feed.feed.display().to_string(),
        created_on_request: args.create,
        present: check.present.len(),
        missing: check.missing,
        inactive: check.inactive,
        created: Vec::new(),
        failed: Vec::new(),
        refused: Vec::new(),
        warnings: warnings(&feed),
        platform: granularity.platform,
    };
    report.refused = report
        .missing
        .iter()
        .filter_map(|m| {
            refused.get(&m.name).map(|reason| RefusedSkill {
                name: m.name.clone(),
                reason: reason.clone(),
            })
        })
        .collect();
    if args.create {
        let creatable: Vec<MissingSkill> = report
            .missing
            .iter()
            .filter(|m| !refused.contains_key(&m.name))
            .cloned()
            .collect();
        // One at a time: a handful of names, and a failure must not hide which ones were made.
        for skill in creatable {
            match platform
                .create_skill(&skill.name, skill.description.as_deref())
                .await
            {
                Ok(stored) => report.created.push(CreatedSkill {
                    description_stored: skill.description.is_some().then_some(stored),
                    name: skill.name,
                }),
                Err(error) => report.failed.push(FailedSkill {
                    error: explain(&error, granularity.platform),
                    name: skill.name,
                }),
            }
        }
    }
    match args.format {
        OutputFormat::Text => report.write_text(out)?,
        OutputFormat::Json => report.write_json(out)?,
    }
    Ok(report.exit_code())
}

/// The feed's warnings as validate shows them.
fn warnings(feed: &ValidFeed) -> Vec<String> {
    let mut lines: Vec<String> = feed
        .warnings
        .items()
        .iter()
        .map(|w| w.to_string())
        .collect();
    if feed.warnings.omitted() > 0 {
        lines.push(format!(
            "… and {} more warning(s) not shown",
            feed.warnings.omitted()
        ));
    }
    lines
}

/// A failed create, said so that the operator knows what to do next.
fn explain(error: &PlatformError, platform: &str) -> String {
    match error {
        PlatformError::Unsupported(_) => {
            format!("skillsync cannot create skills on {platform}; create it in the admin console ({error})")
        }
        other => other.to_string(),
    }
}
