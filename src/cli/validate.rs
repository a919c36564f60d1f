//! `skillsync validate`, and with `--check-platform` the read-only catalog check of `skills sync`
//! against the org (issue 16). The feed checks themselves live in `feed::cli`, which stays
//! offline; this adds the one platform read.

use std::io::{Read, Write};

use super::skill_catalog::check_feed;
use super::CliError;
use crate::config::Settings;
use crate::feed::cli::{validate_feed, ValidateArgs};
use crate::platform::{scales, Connector};

/// Runs `validate`; returns the exit code: 0 valid (and, with `--check-platform`, every skill
/// defined or to be created on the first write), 1 otherwise.
pub async fn run_validate(
    args: &ValidateArgs,
    settings: &Settings,
    stdin: impl Read,
    out: &mut impl Write,
) -> Result<i32, CliError> {
    // The feed rules and scale of the one org; several orgs are refused, not guessed.
    let settings = &super::single_org(settings)?;
    let granularity = scales::granularity_or_genesys(&settings.platform.kind);
    let Some(feed) = validate_feed(args, &settings.feed, &granularity, stdin, out)? else {
        return Ok(1);
    };
    if !args.check_platform {
        return Ok(0);
    }
    let platform = Connector::from_settings(&settings.platform)?;
    let check = check_feed(&platform, &feed, &settings.feed.certifications).await?;
    let name = args.feed.display();
    let create_later = settings.platform.create_missing_skills;
    writeln!(
        out,
        "platform: {} skill(s) used, {} defined, {} missing, {} inactive",
        check.present.len() + check.missing.len() + check.inactive.len(),
        check.present.len(),
        check.missing.len(),
        check.inactive.len()
    )?;
    for skill in &check.missing {
        if create_later {
            writeln!(
                out,
                "warning: {name}: the platform has no skill named {:?}; the first write creates it (platform.create_missing_skills)",
                skill.name
            )?;
        } else {
            writeln!(
                out,
                "error: {name}: the platform has no skill named {:?}; create it with `skillsync skills sync --feed {name} --create`",
                skill.name
            )?;
        }
    }
    for skill in &check.inactive {
        writeln!(
            out,
            "warning: {name}: skill {skill:?} is inactive on the platform; activate it there"
        )?;
    }
    Ok(if check.missing.is_empty() || create_later {
        0
    } else {
        1
    })
}
