//! Deferral in the write and verify paths (issue 15): what the org's deferral rules decide for
//! the agents at hand, from what is already known of them — the routing status comes with every
//! read of the agent, the scheduled activity (only when `policy.defer_when` names categories)
//! costs one call per 100 agents — and how a deferral or its override is recorded. Also the
//! deferral re-check: a routine job that reads the deferred agents again, one call per 100.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{JobError, JobRun};
use crate::domain::{Change, LiveAgent, Urgency};
use crate::planner::{Decision, Situation};
use crate::platform::{Platform, PlatformError};
use crate::reconciler::Reconciler;
use crate::store::{AgentState, AuditIntent, ItemOutcome, LastChange, Trigger, WorkItem};

/// The scheduled activity of each of `ids`, when the rules ask for it. A platform that cannot
/// say (or a failed read) leaves it unknown, and an unknown activity defers nothing: the
/// routing status still does.
pub(super) async fn activities(run: &JobRun<'_>, ids: &[String]) -> HashMap<String, String> {
    if !run.ctx.settings.deferral.needs_activities() || ids.is_empty() {
        return HashMap::new();
    }
    match run.ctx.platform.scheduled_activities(ids).await {
        Ok(found) => found,
        Err(PlatformError::Unsupported(what)) => {
            tracing::debug!(
                what,
                "scheduled activities are not available on this platform"
            );
            HashMap::new()
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read scheduled activities; deciding without them");
            HashMap::new()
        }
    }
}

/// What to write now of `changes` for `live`.
pub(super) async fn decide(
    run: &JobRun<'_>,
    live: &LiveAgent,
    changes: &[Change],
    activities: &HashMap<String, String>,
) -> Result<Decision, JobError> {
    let routine = changes
        .iter()
        .any(|c| c.writable && c.urgency == Urgency::Routine);
    if !routine {
        // Nothing that could wait: no database read.
        return Ok(Decision::Write { overdue: None });
    }
    let mut situation = Situation {
        routing: live.routing,
        activity: activities.get(&live.user_id).map(String::as_str),
        deferred_since: None,
        // An operator's one-agent run (`POST /v1/reconcile {"agent": …}`) forces its changes.
        forced: run.job.agent.is_some(),
    };
    let rules = &run.ctx.settings.deferral;
    let now = Utc::now();
    let decision = rules.decide(changes, &situation, now);
    if decision == (Decision::Write { overdue: None }) {
        // A free agent: how long it waited before cannot matter, so no database read on the
        // write path of every agent.
        return Ok(decision);
    }
    situation.deferred_since = run.ctx.store.deferred_since(&live.user_id).await?;
    Ok(rules.decide(changes, &situation, now))
}

/// Records that `item`'s routine changes wait, for `reason`.
pub(super) async fn defer(run: &JobRun<'_>, item: &WorkItem, reason: &str) -> Result<(), JobError> {
    let store = &run.ctx.store;
    tracing::info!(agent = %item.label, reason, "routine changes deferred");
    store
        .update_work_item(run.job.id, &item.user_id, ItemOutcome::Deferred { reason })
        .await?;
    store.set_agent_deferred(&item.user_id, reason).await?;
    Ok(())
}

/// Audits that a busy agent's routine `changes` are written because they waited too long, before
/// the writes themselves are audited.
pub(super) async fn audit_override(
    run: &JobRun<'_>,
    item: &WorkItem,
    changes: &[Change],
    reason: &str,
) -> Result<(), JobError> {
    tracing::warn!(agent = %item.label, reason, "deferral overridden");
    let routine: Vec<&Change> = changes
        .iter()
        .filter(|c| c.writable && c.urgency == Urgency::Routine)
        .collect();
    run.ctx
        .store
        .audit_action(&AuditIntent {
            job_id: Some(run.job.id),
            feed_id: run.job.feed_id,
            agent_key: Some(item.agent_key.clone().unwrap_or_else(|| item.label.clone())),
            user_id: Some(item.user_id.clone()),
            call: "write_after_deferral".into(),
            changes: serde_json::to_value(&routine).unwrap_or_default(),
            actor: Some("policy.max_defer_secs".into()),
        })
        .await?;
    run.ctx.metrics.deferrals_overridden.inc();
    // A forced write ends the deferral whatever the write's outcome; a failure is a failure.
    run.ctx
        .store
        .set_agent_state(&item.user_id, AgentState::Drifted, None, LastChange::Kept)
        .await?;
    Ok(())
}

/// When a routine job must wait for a change window: its plan writes something, all of it
/// routine (an urgent change goes now, and the job's routine rest waits item by item), and the
/// windows are closed.
pub(super) fn window_to_wait_for(
    run: &JobRun<'_>,
    writes: &[&crate::planner::AgentPlan],
) -> Option<chrono::DateTime<Utc>> {
    let urgent = writes.iter().any(|a| {
        a.changes
            .iter()
            .any(|c| c.writable && c.urgency == Urgency::Urgent)
    });
    if run.job.urgent || writes.is_empty() || urgent {
        return None;
    }
    let now = Utc::now();
    run.ctx
        .settings
        .deferral
        .windows
        .next_open(now)
        .filter(|opens| *opens > now)
}

/// Queues a deferral re-check every `policy.defer_recheck_secs` while agents are deferred and
/// the change windows are open (outside them the window's waiting job, or the next re-check
/// after it opens, takes them), until `shutdown`.
pub async fn run_rechecks(ctx: &Reconciler, shutdown: &CancellationToken) {
    let every = Duration::try_from_secs_f64(ctx.settings.planner.attributes.defer_recheck_secs)
        .unwrap_or(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        if !ctx.settings.deferral.windows.is_open(Utc::now()) {
            continue;
        }
        match ctx.store.deferred_users().await {
            Ok(users) if users.is_empty() => {}
            Ok(users) => match ctx
                .store
                .enqueue_job(Trigger::DeferredRecheck, None, None)
                .await
            {
                Ok(job) => {
                    tracing::debug!(
                        job = job.id,
                        agents = users.len(),
                        "deferral re-check queued"
                    );
                    ctx.signals.wake.notify_one();
                }
                Err(e) => tracing::warn!(error = %e, "cannot queue the deferral re-check"),
            },
            Err(e) => tracing::warn!(error = %e, "cannot read the deferred agents"),
        }
    }
}

/// The deferred agents read again, when this job is a deferral re-check; `None` otherwise.
pub(super) async fn recheck(run: &JobRun<'_>) -> Result<Option<Vec<LiveAgent>>, JobError> {
    if run.job.trigger != Trigger::DeferredRecheck || run.job.agent.is_some() {
        return Ok(None);
    }
    let users = run.ctx.store.deferred_users().await?;
    let live = if users.is_empty() {
        Vec::new()
    } else {
        run.ctx.platform.read_agents(&users).await?
    };
    tracing::info!(
        deferred = users.len(),
        read = live.len(),
        "deferral re-check"
    );
    Ok(Some(live))
}
