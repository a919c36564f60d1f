//! The retirement check (issue 16), beside the worker of a leased org: refreshes the listed
//! skill catalog, queues the scan that takes a skill from every agent when its retirement date
//! comes, and retires the definition once no observed agent holds it, no skill group names it,
//! and `skills.retire_grace_hours` have passed since — or records what still blocks it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::Reconciler;
use crate::domain::Name;
use crate::platform::{Platform, PlatformError, SkillGroupUse};
use crate::store::{AuditIntent, AuditOutcome, Retirement, Store, StoreError, Trigger};

/// Why a check could not finish (it is tried again next period).
#[derive(Debug, thiserror::Error)]
pub enum RetirementError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The platform failed.
    #[error("cannot reach the platform: {0}")]
    Platform(#[from] PlatformError),
}

/// The skills whose retirement has begun by `now` and whose definition is not retired yet: the
/// planner takes them from everyone.
pub async fn retiring_skills(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<BTreeSet<Name>, StoreError> {
    Ok(store
        .retirements()
        .await?
        .iter()
        .filter(|r| r.retire_after <= now && r.retired_at.is_none())
        .filter_map(|r| Name::parse(&r.skill).ok())
        .collect())
}

/// Checks every `skills.check_secs` (and when a skill is retired) until `shutdown`.
pub async fn run(ctx: &Reconciler, shutdown: &CancellationToken) {
    let period = ctx.settings.skills.period();
    // Not at start-up: a daemon starting makes no call beyond its scans.
    let mut wait = period;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
            _ = ctx.signals.retirements.notified() => {}
        }
        wait = match check(ctx).await {
            // A retirement date coming before the next period is met on time.
            Ok(Some(next)) => (next - Utc::now()).to_std().unwrap_or_default().min(period),
            Ok(None) => period,
            Err(e) => {
                tracing::warn!(error = %e, "retirement check failed; trying again next period");
                period
            }
        };
    }
}

/// One check of every retirement; returns when the next one is due to begin.
pub async fn check(ctx: &Reconciler) -> Result<Option<DateTime<Utc>>, RetirementError> {
    refresh_catalog(ctx).await?;
    let now = Utc::now();
    let (due, later): (Vec<Retirement>, Vec<Retirement>) = ctx
        .store
        .retirements()
        .await?
        .into_iter()
        .filter(|r| r.retired_at.is_none())
        .partition(|r| r.retire_after <= now);
    let next = later.iter().map(|r| r.retire_after).min();
    if due.is_empty() {
        return Ok(next);
    }
    start(ctx, &due).await?;
    let holders = ctx.store.skill_holders().await?;
    // Read only when a skill has no holder left, and not while its grace period runs (a group
    // naming it again is seen when the period ends): one call per group on Genesys Cloud.
    let mut groups: Option<Vec<SkillGroupUse>> = None;
    let grace = ctx.settings.skills.grace();
    for retirement in &due {
        let in_grace = retirement
            .clear_since
            .is_some_and(|since| now < since + grace);
        let blocked = match blocker(ctx, retirement, &holders, in_grace, &mut groups).await? {
            Some(blocked) => blocked,
            None => {
                let since = retirement.clear_since.unwrap_or(now);
                if now >= since + grace {
                    retire_definition(ctx, retirement).await?;
                } else {
                    ctx.store
                        .retirement_checked(retirement.id, None, Some(since))
                        .await?;
                }
                continue;
            }
        };
        if retirement.blocked_by.as_deref() != Some(blocked.as_str()) {
            tracing::info!(
                skill = retirement.skill,
                blocked,
                "retired skill still in use"
            );
        }
        ctx.store
            .retirement_checked(retirement.id, Some(&blocked), None)
            .await?;
    }
    Ok(next)
}

/// Lists the platform's skill definitions into the store for `GET /v1/skills`.
async fn refresh_catalog(ctx: &Reconciler) -> Result<(), RetirementError> {
    let definitions = match ctx.platform.skill_definitions().await {
        Ok(definitions) => definitions,
        Err(PlatformError::Unsupported(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // A name listed twice (deleted and re-created) shows its most usable state.
    let mut states: HashMap<String, crate::platform::DefinitionState> = HashMap::new();
    for definition in definitions {
        let state = states.entry(definition.name).or_insert(definition.state);
        *state = (*state).min(definition.state);
    }
    let entries: Vec<(String, &str)> = states
        .into_iter()
        .map(|(name, state)| (name, state.as_str()))
        .collect();
    ctx.store.replace_catalog(&entries).await?;
    Ok(())
}

/// Queues the scan that takes newly due skills from every agent, once per retirement.
async fn start(ctx: &Reconciler, due: &[Retirement]) -> Result<(), RetirementError> {
    let new: Vec<&Retirement> = due.iter().filter(|r| r.started_at.is_none()).collect();
    if new.is_empty() {
        return Ok(());
    }
    let job = ctx.store.enqueue_job(Trigger::Schedule, None, None).await?;
    ctx.signals.wake.notify_one();
    for retirement in new {
        tracing::info!(
            skill = retirement.skill,
            job = job.id,
            "retirement begins: scan queued"
        );
        ctx.store.retirement_started(retirement.id).await?;
    }
    Ok(())
}

/// What keeps the definition: observed holders, then (outside the grace period) skill groups
/// naming it.
async fn blocker(
    ctx: &Reconciler,
    retirement: &Retirement,
    holders: &HashMap<String, usize>,
    in_grace: bool,
    groups: &mut Option<Vec<SkillGroupUse>>,
) -> Result<Option<String>, RetirementError> {
    let held = holders.get(&retirement.skill).copied().unwrap_or(0);
    if held > 0 {
        return Ok(Some(format!("held by {held} agents (as last observed)")));
    }
    if in_grace {
        return Ok(None);
    }
    if groups.is_none() {
        *groups = Some(ctx.platform.skill_groups().await?);
    }
    let naming: Vec<&str> = groups
        .iter()
        .flatten()
        .filter(|g| g.skills.contains(&retirement.skill))
        .map(|g| g.group.as_str())
        .collect();
    Ok((!naming.is_empty()).then(|| {
        format!(
            "referenced by skill group {}; remove it from the group's conditions",
            naming.join(", ")
        )
    }))
}

/// Deletes (or deactivates) the definition, audited like every write: intent first.
async fn retire_definition(
    ctx: &Reconciler,
    retirement: &Retirement,
) -> Result<(), RetirementError> {
    let audit = ctx
        .store
        .audit_intent(&AuditIntent {
            call: "retire_skill_definition".into(),
            changes: serde_json::json!({ "skill": retirement.skill }),
            actor: Some(retirement.requested_by.clone()),
            ..AuditIntent::default()
        })
        .await?;
    match ctx
        .platform
        .retire_skill_definition(&retirement.skill)
        .await
    {
        Ok(outcome) => {
            ctx.store
                .audit_result(audit, AuditOutcome::Ok, None, None, None)
                .await?;
            ctx.store
                .retirement_done(retirement.id, outcome.as_str())
                .await?;
            tracing::info!(
                skill = retirement.skill,
                outcome = outcome.as_str(),
                "skill retired"
            );
            Ok(())
        }
        Err(e) => {
            ctx.store
                .audit_result(
                    audit,
                    AuditOutcome::Failed,
                    e.status(),
                    e.correlation_id(),
                    Some(&e.to_string()),
                )
                .await?;
            Err(e.into())
        }
    }
}
