//! `skillsync skills retire NAME --after DATE` and `--cancel` (issue 16): records a retirement in the daemon's
//! database, audited with `--actor`, exactly as `POST /v1/skills/{name}/retire` does. The daemon
//! holding the org's lease does the rest; this command makes no platform call.

use std::collections::BTreeMap;
use std::io::Write;

use chrono_tz::Tz;

use super::CliError;
use crate::config::Settings;
use crate::retire::{cancel, parse_after, retire, RetireError};
use crate::store::{Store, StoreError};

/// Arguments of `skills retire`.
#[derive(Debug, Clone, clap::Args)]
pub struct RetireArgs {
    /// The skill's exact platform name.
    pub name: String,
    /// From when agents lose it: a date (midnight in `reconcile.time_zone`) or an RFC 3339
    /// instant; `now` for at once.
    #[arg(long, required_unless_present = "cancel")]
    pub after: Option<String>,
    /// Withdraw the skill's retirement instead: feeds may name it again (what was removed or
    /// deleted stays so).
    #[arg(long, conflicts_with = "after")]
    pub cancel: bool,
    /// Who asks, for the audit log (default: `cli:$USER`).
    #[arg(long)]
    pub actor: Option<String>,
}

/// The database of the one org `settings` runs.
async fn org_store(settings: &Settings) -> Result<Store, CliError> {
    let org = settings.single_org()?;
    let store = Store::connect_lazy(settings.database.url.expose(), 2).map_err(CliError::Store)?;
    store.migrate().await.map_err(CliError::Store)?;
    Ok(store.for_org(&org.name))
}

/// Records the retirement and prints it; exit 0, or 1 when the skill already has one.
pub async fn run_retire(
    args: &RetireArgs,
    settings: &Settings,
    out: &mut impl Write,
) -> Result<i32, CliError> {
    let zone: Tz =
        settings.reconcile.time_zone.parse().map_err(|_| {
            CliError::Retire(RetireError::Date(settings.reconcile.time_zone.clone()))
        })?;
    let actor = args.actor.clone().unwrap_or_else(|| {
        format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        )
    });
    let store = org_store(settings).await?;
    if args.cancel {
        return match cancel(&store, &args.name, &actor).await {
            Ok(r) => {
                writeln!(
                    out,
                    "the retirement of skill {:?} (requested by {}) is withdrawn: feeds may name \
                     it again",
                    r.skill, r.requested_by
                )?;
                Ok(0)
            }
            Err(RetireError::Store(StoreError::NotFound(what))) => {
                writeln!(out, "there is no {what}")?;
                Ok(1)
            }
            Err(e) => Err(e.into()),
        };
    }
    let after = match args.after.as_deref().unwrap_or("now").trim() {
        "now" => chrono::Utc::now(),
        text => parse_after(text, zone)?,
    };
    match retire(&store, &args.name, after, &actor).await {
        Ok(r) => {
            writeln!(
                out,
                "skill {:?} retires from {}: every agent loses it then, and its definition is \
                 deleted once nothing holds or references it and skills.retire_grace_hours \
                 ({}) have passed. Requested by {}.",
                r.skill,
                r.retire_after
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                settings.skills.retire_grace_hours,
                r.requested_by
            )?;
            Ok(0)
        }
        Err(e @ RetireError::Already(_)) => {
            writeln!(out, "{e}")?;
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

/// The skills `skills sync --create` must never create: those being retired, with why. Read from
/// the org's database when it can be reached; `Err` says why it could not.
pub async fn retiring_names(settings: &Settings) -> Result<BTreeMap<String, String>, CliError> {
    let org = settings.single_org()?;
    let store = Store::connect_lazy(settings.database.url.expose(), 2)
        .map_err(CliError::Store)?
        .for_org(&org.name);
    Ok(store
        .retirements()
        .await
        .map_err(CliError::Store)?
        .into_iter()
        .map(|r| (r.skill.clone(), r.refusal()))
        .collect())
}
