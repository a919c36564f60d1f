//! The first phase of a job: observe the platform, record what was seen and how it differs,
//! check the safety thresholds, and create one work item per agent to change.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::Utc;

use super::{certification, deferral, incremental, JobError, JobRun};
use crate::domain::{Change, DesiredState, FeedScope, LiveAgent};
use crate::planner::{check_safety, AgentPlan, Plan, Policy};
use crate::platform::Platform;
use crate::store::{
    AgentState, FeedRecord, FeedStatus, LastChange, ObservedAgent, PlannedItem, Scan, Trigger,
};

/// Most agents written into a job's stored plan; the rest are counted.
const PLAN_AGENTS_SHOWN: usize = 1_000;

/// The note an urgent certification job's stored plan carries: the audit of the rule that such
/// jobs are never held.
pub const SAFETY_NOT_APPLIED: &str =
    "not applied: certification grants and revocations are never held by safety thresholds";

/// Whether the job skips the safety thresholds: an urgent certification job, which changes only
/// what certifications' instants require (the thresholds are meant for feeds).
fn exempt_from_safety(run: &JobRun<'_>) -> bool {
    run.job.urgent && run.job.trigger == Trigger::Certification
}

/// What planning decided.
pub enum Planned {
    /// Nothing to write.
    Nothing,
    /// Held for approval.
    Held,
    /// Routine changes only, planned outside the change windows: the job waits for the next.
    WaitingWindow(chrono::DateTime<Utc>),
    /// Items created; the observations they start from, by user id.
    Items(HashMap<String, LiveAgent>),
}

/// The stored form of a plan: totals, the first agents' changes, unmatched keys.
pub fn plan_json(plan: &Plan) -> serde_json::Value {
    serde_json::json!({
        "summary": plan.counts,
        "agents": plan.agents.iter().take(PLAN_AGENTS_SHOWN).collect::<Vec<_>>(),
        "agents_not_shown": plan.agents.len().saturating_sub(PLAN_AGENTS_SHOWN),
        "unmatched": plan.unmatched,
        "ignored": plan.ignored.len(),
    })
}

/// Records what was observed and how it differs from `plan`'s desired state.
async fn save_drift(
    run: &JobRun<'_>,
    live: &[LiveAgent],
    plan: &Plan,
    scan: Scan,
) -> Result<(), JobError> {
    let ctx = run.ctx;
    let kind = ctx.settings.planner.agent_key;
    let by_user: HashMap<&str, &AgentPlan> = plan
        .agents
        .iter()
        .map(|a| (a.user_id.as_str(), a))
        .collect();
    let keys: Vec<Option<String>> = live
        .iter()
        .map(|a| a.key(kind).map(|k| k.as_str().to_string()))
        .collect();
    let rows: Vec<ObservedAgent<'_, &[Change]>> = live
        .iter()
        .zip(&keys)
        .map(|(agent, key)| {
            let changes = by_user
                .get(agent.user_id.as_str())
                .map(|p| p.changes.as_slice())
                .unwrap_or(&[]);
            ObservedAgent {
                agent_key: key.as_deref(),
                live: agent,
                drift: changes,
                drift_count: changes.len(),
            }
        })
        .collect();
    ctx.store.save_observed(&rows, Utc::now(), scan).await?;
    // Not set here: a refresh that read the database just before this save could overwrite the
    // values with older ones. The refresher reads after the save instead.
    ctx.signals.gauges_stale.notify_one();
    Ok(())
}

/// After its feeds were held, what differs is measured against the desired state without them,
/// so that drift and its gauge do not show the held changes as if they were in force.
async fn save_drift_without_held_feeds(
    run: &JobRun<'_>,
    live: &[LiveAgent],
) -> Result<(), JobError> {
    let ctx = run.ctx;
    let desired = ctx
        .store
        .current_desired(ctx.settings.planner.agent_key)
        .await?;
    let seen = ctx.store.seen_names().await?;
    let mut policy = Policy::build(
        &ctx.settings.planner,
        run.policy.granularity,
        &seen,
        run.policy.now,
    )?;
    policy.retiring = run.policy.retiring.clone();
    save_drift(
        run,
        live,
        &crate::planner::plan(&desired, live, &policy),
        Scan::Full,
    )
    .await
}

/// The feeds this job answers for: those it was started for or that were coalesced into it,
/// and, for a full scan, those whose own job failed before its plan was checked.
async fn job_feeds(run: &JobRun<'_>, scan: Scan) -> Result<Vec<FeedRecord>, JobError> {
    let ctx = run.ctx;
    // A one-agent job or an incremental scan plans too little to vouch for a feed.
    if scan == Scan::Full {
        let adopted = ctx.store.adopt_unchecked_feeds(run.job.id).await?;
        if adopted > 0 {
            tracing::warn!(
                feeds = adopted,
                "checking feeds whose own job failed before its plan was checked"
            );
        }
    }
    Ok(ctx.store.feeds_of_job(run.job).await?)
}

/// Agents of the newest snapshot among `feeds` and of the snapshot in force before the first of
/// them, for the `min_snapshot_share` check.
async fn snapshot_shrink(
    run: &JobRun<'_>,
    feeds: &[FeedRecord],
) -> Result<Option<(usize, usize)>, JobError> {
    let newest_snapshot = feeds
        .iter()
        .rev()
        .find(|f| f.scope == FeedScope::Snapshot && f.status == FeedStatus::Accepted);
    let (Some(first), Some(newest)) = (feeds.first(), newest_snapshot) else {
        return Ok(None);
    };
    Ok(run
        .ctx
        .store
        .previous_snapshot_agents(first.id)
        .await?
        .map(|previous| (newest.agents.max(0) as usize, previous)))
}

/// After a held job's feeds were taken out of force (with the hold, so that no scan applies
/// them meanwhile): what follows from that.
async fn hold_feeds(run: &JobRun<'_>, live: &[LiveAgent], scan: Scan) -> Result<(), JobError> {
    let ctx = run.ctx;
    ctx.signals.certifications_changed.notify_one();
    if scan == Scan::Full {
        save_drift_without_held_feeds(run, live).await?;
    }
    if run.job.coalesced > 0 {
        // A scan merged into this job still needs a run against the state in force, which the
        // hold does not block (certification instants have a queue of their own).
        let follow_up = ctx.store.enqueue_job(Trigger::Schedule, None, None).await?;
        tracing::info!(
            job = follow_up.id,
            "queued a scan for the triggers merged into the held job"
        );
        ctx.signals.wake.notify_one();
    }
    Ok(())
}

pub async fn plan(run: &JobRun<'_>) -> Result<Planned, JobError> {
    let ctx = run.ctx;
    let Observation {
        desired,
        live,
        scan,
        cursor,
    } = observe(run).await?;
    let plan = crate::planner::plan(&desired, &live, &run.policy);
    save_drift(run, &live, &plan, scan).await?;

    let feeds = job_feeds(run, scan).await?;
    let snapshot = snapshot_shrink(run, &feeds).await?;
    let violations = if exempt_from_safety(run) {
        // A lapsed certification is not a mass change to approve: holding it would leave agents
        // routed on a skill they may no longer hold. Said in the job log and in the stored plan.
        tracing::info!("safety thresholds not applied: certification changes are never held");
        Vec::new()
    } else {
        let holders = ctx.store.skill_holders().await?;
        check_safety(&plan, &ctx.settings.safety, snapshot, &holders)
    };
    let approved = run.job.approved()
        && run
            .job
            .held_destructive
            .is_some_and(|held| plan.counts.destructive <= held.max(0) as usize);
    if !violations.is_empty() && !approved {
        let reasons: Vec<String> = violations.iter().map(ToString::to_string).collect();
        ctx.store
            .hold_job(
                run.job.id,
                &reasons,
                plan.counts.destructive,
                plan_json(&plan),
                &feeds.iter().map(|f| f.id).collect::<Vec<_>>(),
            )
            .await?;
        if !feeds.is_empty() {
            hold_feeds(run, &live, scan).await?;
        }
        // A held incremental scan keeps the cursor where it was: the next one (or this one,
        // approved) must read the same changes again. A held full scan's approval reads everyone.
        if scan == Scan::Full {
            incremental::remember(run, cursor.as_deref()).await?;
        }
        return Ok(Planned::Held);
    }

    let writes: Vec<&AgentPlan> = plan.agents.iter().filter(|a| a.has_writes()).collect();
    let mut stored = plan_json(&plan);
    if exempt_from_safety(run) {
        stored["safety"] = serde_json::json!(SAFETY_NOT_APPLIED);
    }
    ctx.store.set_job_plan(run.job.id, stored).await?;
    if let Some(opens) = deferral::window_to_wait_for(run, &writes) {
        // The cursor stays: planning again when the window opens must read the same changes.
        return Ok(Planned::WaitingWindow(opens));
    }
    if run.job.trigger == Trigger::DeferredRecheck {
        // A deferred agent left with nothing writable (its policy became `report`) waits for
        // nothing any more.
        for agent in plan.agents.iter().filter(|a| !a.has_writes()) {
            ctx.store
                .set_agent_state(&agent.user_id, AgentState::Drifted, None, LastChange::Kept)
                .await?;
        }
    }
    if writes.is_empty() {
        incremental::remember(run, cursor.as_deref()).await?;
        return Ok(Planned::Nothing);
    }
    let keys: Vec<Option<String>> = writes
        .iter()
        .map(|a| a.key.as_ref().map(|k| k.as_str().to_string()))
        .collect();
    let items: Vec<PlannedItem<'_>> = writes
        .iter()
        .zip(&keys)
        .map(|(a, k)| PlannedItem {
            item: (a.user_id.as_str(), k.as_deref(), a.label.as_str()),
            planned: &a.changes,
        })
        .collect();
    ctx.store
        .create_planned_work_items(run.job.id, &items)
        .await?;
    // After the items: a job resumed after a crash has them and does not plan (nor read) again.
    incremental::remember(run, cursor.as_deref()).await?;
    let wanted: std::collections::HashSet<&str> =
        writes.iter().map(|a| a.user_id.as_str()).collect();
    Ok(Planned::Items(
        live.into_iter()
            .filter(|a| wanted.contains(a.user_id.as_str()))
            .map(|a| (a.user_id.clone(), a))
            .collect(),
    ))
}

/// What a job read of the platform and what it plans against.
struct Observation<'r> {
    /// The desired state to plan against.
    desired: Cow<'r, DesiredState>,
    /// The users to plan for.
    live: Vec<LiveAgent>,
    /// How much was read.
    scan: Scan,
    /// Where the next incremental scan starts, once this plan is saved (`None`: leave it).
    cursor: Option<String>,
}

/// Reads the platform: everyone, the agents changed since the last scan (an incremental scan),
/// or one agent. Planning only some agents, as a partial feed would, leaves the others alone.
async fn observe<'r>(run: &'r JobRun<'_>) -> Result<Observation<'r>, JobError> {
    let ctx = run.ctx;
    if let Some(live) = certification::due(run).await? {
        return Ok(Observation {
            desired: Cow::Owned(partial_desired(run, &live)),
            live,
            scan: Scan::Partial,
            cursor: None,
        });
    }
    if let Some(live) = deferral::recheck(run).await? {
        return Ok(Observation {
            desired: Cow::Owned(partial_desired(run, &live)),
            live,
            scan: Scan::Partial,
            cursor: None,
        });
    }
    if let Some(changed) = incremental::changed(run).await? {
        return Ok(Observation {
            desired: Cow::Owned(partial_desired(run, &changed.agents)),
            live: changed.agents,
            scan: Scan::Partial,
            cursor: Some(changed.cursor),
        });
    }
    let Some(who) = &run.job.agent else {
        let live = ctx.platform.observe().await?;
        return Ok(Observation {
            // Borrowed: a copy of 100,000 agents' desired state costs 100 MB.
            desired: Cow::Borrowed(&run.desired),
            live,
            scan: Scan::Full,
            cursor: ctx.platform.scan_cursor(),
        });
    };
    let kind = ctx.settings.planner.agent_key;
    let live = match ctx.store.agent(who).await? {
        Some(known) => {
            ctx.platform
                .read_agents(std::slice::from_ref(&known.user_id))
                .await?
        }
        None => ctx
            .platform
            .observe()
            .await?
            .into_iter()
            .filter(|a| a.user_id == *who || a.key(kind).is_some_and(|k| k.as_str() == who))
            .collect(),
    };
    Ok(Observation {
        desired: Cow::Owned(partial_desired(run, &live)),
        live,
        scan: Scan::Partial,
        cursor: None,
    })
}

/// The desired state of just the agents in `live`, so that planning leaves everyone else alone.
fn partial_desired(run: &JobRun<'_>, live: &[LiveAgent]) -> DesiredState {
    let kind = run.ctx.settings.planner.agent_key;
    let mut desired = DesiredState::new(FeedScope::Partial);
    for agent in live {
        if let Some(want) = run.want(agent.key(kind).as_ref()) {
            if let Some(key) = agent.key(kind) {
                desired.agents.insert(key, want);
            } else {
                // A user without a key can only be held to "nothing managed" (a snapshot). Only
                // a snapshot in force gives such a user a desired state (see `JobRun::want`),
                // and then it gives every listed agent one too, so the wider scope changes no
                // one else's plan.
                desired.scope = FeedScope::Snapshot;
            }
        }
    }
    desired
}
