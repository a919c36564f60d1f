//! The second phase of a job: claim due work items, write agents concurrently or in groups the
//! connector batches (re-reading and re-planning on conflicts), wait for the platform to settle,
//! verify, and back off, give up on (`needs_attention`) or flag (`stuck`) agents that will not
//! converge.

use std::collections::HashMap;

use chrono::Utc;
use futures::{stream, StreamExt};
use tracing::Instrument;

use super::write::write_items;
use super::{deferral, JobError, JobRun, Outcome};
use crate::domain::LiveAgent;
use crate::planner::{plan_agent, Decision};
use crate::platform::Platform;
use crate::store::{
    AgentState, ItemOutcome, JobStatus, LastChange, ObservedAgent, Scan, WorkItem, WorkStatus,
};

fn after(d: std::time::Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::zero())
}

/// An urgent job whose writes are all made, waiting only to verify them, lets the next urgent
/// job write meanwhile: a certification instant must not wait out another job's settle time.
async fn give_back_slot_if_only_verifying(run: &JobRun<'_>) -> Result<(), JobError> {
    if !run.job.urgent || run.slot.lock().is_none() {
        return Ok(());
    }
    let counts = run.ctx.store.work_counts(run.job.id).await?;
    let writing = counts
        .iter()
        .any(|(status, n)| *n > 0 && (status == "pending" || status == "in_progress"));
    if !writing {
        run.slot.lock().take();
    }
    Ok(())
}

/// Works the job's items until every one is final, or the run is cancelled.
pub async fn work(
    run: &JobRun<'_>,
    mut observed: HashMap<String, LiveAgent>,
) -> Result<Outcome, JobError> {
    let ctx = run.ctx;
    let concurrency = ctx.settings.max_concurrency.max(1);
    let lease = ctx.settings.reconcile.lease_secs;
    // A connector that groups agents' writes (CXone) is handed up to `write_batch` items at once,
    // one group at a time (it spreads a group over `max_concurrency` calls itself); otherwise
    // items are written one agent each, `concurrency` at a time, from a claim of a few rounds'
    // worth.
    let batch = ctx.platform.write_batch().max(1);
    let claim = if batch > 1 { batch } else { concurrency * 4 };
    loop {
        if run.cancel.is_cancelled() {
            return Ok(Outcome::Interrupted);
        }
        let items = ctx
            .store
            .claim_work_items(run.job.id, &ctx.owner, lease, claim as i64)
            .await?;
        if items.is_empty() {
            let Some(due) = ctx.store.next_work_due(run.job.id).await? else {
                break;
            };
            give_back_slot_if_only_verifying(run).await?;
            let wait = (due - Utc::now())
                .to_std()
                .unwrap_or_default()
                .min(std::time::Duration::from_secs(1));
            tokio::select! {
                _ = run.cancel.cancelled() => return Ok(Outcome::Interrupted),
                _ = tokio::time::sleep(wait.max(std::time::Duration::from_millis(20))) => {}
            }
            continue;
        }
        let (verify, write): (Vec<WorkItem>, Vec<WorkItem>) = items
            .into_iter()
            .partition(|i| i.status == WorkStatus::Verifying);
        if !verify.is_empty() {
            verify_items(run, verify).await?;
        }
        let writes: Vec<(WorkItem, Option<LiveAgent>)> = write
            .into_iter()
            .map(|item| {
                // A fresh item starts from this job's scan; anything else (a retry, or an item
                // taken over from a worker that died mid-write) is re-read first.
                let seen = (item.attempts == 0 && item.status == WorkStatus::Pending)
                    .then(|| observed.remove(&item.user_id))
                    .flatten();
                (item, seen)
            })
            .collect();
        // One read of the scheduled activities for the whole claim (when the rules use them),
        // not one per agent.
        let ids: Vec<String> = writes.iter().map(|(i, _)| i.user_id.clone()).collect();
        let activities = deferral::activities(run, &ids).await;
        if batch > 1 {
            write_items(run, writes, &activities).await?;
        } else {
            let results: Vec<Result<(), JobError>> = stream::iter(writes)
                .map(|(item, seen)| {
                    let span = tracing::info_span!("write_item", agent = %item.label);
                    write_items(run, vec![(item, seen)], &activities).instrument(span)
                })
                .buffer_unordered(concurrency)
                .collect()
                .await;
            results.into_iter().collect::<Result<Vec<()>, JobError>>()?;
        }
    }
    let counts = ctx.store.work_counts(run.job.id).await?;
    let deferred = counts
        .iter()
        .any(|(status, n)| status == "deferred" && *n > 0);
    let windows = &ctx.settings.deferral.windows;
    if deferred && !run.job.urgent {
        // A routine job whose agents wait for a closed window waits with them: it plans again
        // when the window opens. Busy agents are the deferral re-check's.
        if let Some(opens) = windows.next_open(Utc::now()).filter(|t| *t > Utc::now()) {
            return Ok(Outcome::WaitingWindow(opens));
        }
    }
    // Waiting is not failing: a job whose agents are converged or deferred succeeded.
    let settled = counts
        .iter()
        .all(|(status, _)| status == "converged" || status == "deferred");
    Ok(Outcome::Finished(if settled {
        JobStatus::Succeeded
    } else {
        JobStatus::Failed
    }))
}

/// Re-reads written agents after the settle time: converged, written again, or stuck.
async fn verify_items(run: &JobRun<'_>, items: Vec<WorkItem>) -> Result<(), JobError> {
    let ctx = run.ctx;
    let store = &ctx.store;
    let ids: Vec<String> = items.iter().map(|i| i.user_id.clone()).collect();
    let fresh = match ctx.platform.read_agents(&ids).await {
        Ok(fresh) => fresh,
        Err(e) => {
            tracing::warn!(error = %e, "cannot verify; trying again shortly");
            let retry = after(std::time::Duration::from_secs(5));
            for item in &items {
                store
                    .update_work_item(
                        run.job.id,
                        &item.user_id,
                        ItemOutcome::VerifyLater { retry_at: retry },
                    )
                    .await?;
            }
            return Ok(());
        }
    };
    let by_user: HashMap<&str, &LiveAgent> =
        fresh.iter().map(|a| (a.user_id.as_str(), a)).collect();
    let kind = ctx.settings.planner.agent_key;
    let policy = run.current_policy();
    let planned: Vec<Vec<crate::domain::Change>> = items
        .iter()
        .map(|item| {
            match (
                by_user.get(item.user_id.as_str()),
                run.want(run.key_of(item).as_ref()),
            ) {
                (Some(live), Some(want)) => plan_agent(&want, live, &policy),
                _ => Vec::new(),
            }
        })
        .collect();
    // Scheduled activities only for the agents still to write: most verify converged.
    let unsettled: Vec<String> = items
        .iter()
        .zip(&planned)
        .filter(|(_, changes)| changes.iter().any(|c| c.writable))
        .map(|(item, _)| item.user_id.clone())
        .collect();
    let activities = deferral::activities(run, &unsettled).await;
    for (item, changes) in items.iter().zip(planned) {
        let Some(live) = by_user.get(item.user_id.as_str()) else {
            store
                .update_work_item(
                    run.job.id,
                    &item.user_id,
                    ItemOutcome::Vanished {
                        reason: "no longer an active platform user",
                    },
                )
                .await?;
            continue;
        };
        let key = live.key(kind).map(|k| k.as_str().to_string());
        let row = ObservedAgent {
            agent_key: key.as_deref(),
            live,
            drift: &changes,
            drift_count: changes.len(),
        };
        store
            .save_observed(std::slice::from_ref(&row), Utc::now(), Scan::Partial)
            .await?;
        let decision = deferral::decide(run, live, &changes, &activities).await?;
        if let Decision::Wait { reason } = decision {
            // Only routine changes are left (the urgent ones landed), and they may not be
            // written now: the agent waits rather than being written again.
            deferral::defer(run, item, &reason).await?;
        } else if !changes.iter().any(|c| c.writable) {
            store
                .update_work_item(run.job.id, &item.user_id, ItemOutcome::Verified)
                .await?;
            store
                .set_agent_state(&item.user_id, AgentState::Converged, None, LastChange::Kept)
                .await?;
        } else if item.verifications + 1 >= ctx.settings.reconcile.verify_rounds.max(1) as i32 {
            let reason = "still differs from the desired state after writing and verifying";
            store
                .update_work_item(run.job.id, &item.user_id, ItemOutcome::Stuck { reason })
                .await?;
            store
                .set_agent_state(
                    &item.user_id,
                    AgentState::Stuck,
                    Some(reason),
                    LastChange::Kept,
                )
                .await?;
        } else {
            // What the next write will do, until its own read plans it again.
            store
                .set_planned_changes(run.job.id, &item.user_id, &changes)
                .await?;
            store
                .update_work_item(
                    run.job.id,
                    &item.user_id,
                    ItemOutcome::StillDrifted {
                        retry_at: Utc::now(),
                    },
                )
                .await?;
        }
    }
    Ok(())
}
