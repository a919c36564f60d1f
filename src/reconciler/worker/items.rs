//! The second phase of a job: claim due work items, write agents concurrently (re-reading and
//! re-planning on conflicts), wait for the platform to settle, verify, and back off, give up on
//! (`needs_attention`) or flag (`stuck`) agents that will not converge.

use std::collections::HashMap;

use chrono::Utc;
use futures::{stream, StreamExt};

use super::{JobError, JobRun, Outcome};
use crate::domain::LiveAgent;
use crate::planner::plan_agent;
use crate::platform::Platform;
use crate::reconciler::journal::StoreJournal;
use crate::reconciler::{converge, AgentOutcome, Target};
use crate::store::{
    AgentState, ItemOutcome, JobStatus, LastChange, ObservedAgent, Scan, WorkItem, WorkStatus,
};

fn after(d: std::time::Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::zero())
}

/// Works the job's items until every one is final, or the run is cancelled.
pub async fn work(
    run: &JobRun<'_>,
    mut observed: HashMap<String, LiveAgent>,
) -> Result<Outcome, JobError> {
    let ctx = run.ctx;
    let concurrency = ctx.settings.max_concurrency.max(1);
    let lease = ctx.settings.reconcile.lease_secs;
    loop {
        if run.cancel.is_cancelled() {
            return Ok(Outcome::Interrupted);
        }
        let items = ctx
            .store
            .claim_work_items(run.job.id, &ctx.owner, lease, (concurrency * 4) as i64)
            .await?;
        if items.is_empty() {
            let Some(due) = ctx.store.next_work_due(run.job.id).await? else {
                break;
            };
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
        let results: Vec<Result<(), JobError>> = stream::iter(writes)
            .map(|(item, seen)| write_item(run, item, seen))
            .buffer_unordered(concurrency)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>, JobError>>()?;
    }
    let counts = ctx.store.work_counts(run.job.id).await?;
    let all_converged = counts.iter().all(|(status, _)| status == "converged");
    Ok(Outcome::Finished(if all_converged {
        JobStatus::Succeeded
    } else {
        JobStatus::Failed
    }))
}

#[tracing::instrument(skip_all, fields(agent = %item.label))]
async fn write_item(
    run: &JobRun<'_>,
    mut item: WorkItem,
    seen: Option<LiveAgent>,
) -> Result<(), JobError> {
    let ctx = run.ctx;
    let store = &ctx.store;
    let key = run.key_of(&item);
    let Some(want) = run.want(key.as_ref()) else {
        // No longer in the desired state (a withdrawn feed): nothing to do for it.
        store
            .update_work_item(run.job.id, &item.user_id, ItemOutcome::Unneeded)
            .await?;
        return Ok(());
    };
    // The job's plan holds for the read it was made from; any other read is planned again.
    let planned = seen
        .is_some()
        .then(|| item.planned.take())
        .flatten()
        .map(|p| p.0);
    let replanned = planned.is_none();
    let live = match seen {
        Some(live) => Ok(live),
        None => match ctx
            .platform
            .read_agents(std::slice::from_ref(&item.user_id))
            .await
        {
            Ok(mut fresh) if fresh.len() == 1 => Ok(fresh.remove(0)),
            Ok(_) => Err("the user is no longer an active platform user".to_string()),
            Err(e) => Err(e.to_string()),
        },
    };
    let outcome = match live {
        Ok(live) => {
            let journal = StoreJournal {
                store: store.clone(),
                job_id: run.job.id,
                feed_id: run.job.feed_id,
                metrics: ctx.metrics.clone(),
                agent_key: key,
                notifier: &ctx.notifier,
                pending: Default::default(),
            };
            let target = Target {
                want: &want,
                live,
                planned,
            };
            let max_replans = ctx.settings.reconcile.max_replans;
            match converge(
                ctx.platform.as_ref(),
                &journal,
                target,
                &run.policy,
                max_replans,
            )
            .await
            {
                AgentOutcome::Written { replans, changes } => {
                    if replanned || replans > 0 {
                        store
                            .set_planned_changes(run.job.id, &item.user_id, &changes)
                            .await?;
                    }
                    Ok(())
                }
                AgentOutcome::Failed(e) => Err(e.to_string()),
            }
        }
        Err(reason) => Err(reason),
    };
    match outcome {
        Ok(()) => {
            let verify_at = after(ctx.settings.reconcile.settle());
            store
                .update_work_item(
                    run.job.id,
                    &item.user_id,
                    ItemOutcome::Written { verify_at },
                )
                .await?;
            store
                .set_agent_state(&item.user_id, AgentState::Pending, None, LastChange::Now)
                .await?;
        }
        Err(reason) => {
            let failures = store.agent_failures(&item.user_id).await? + 1;
            let give_up = failures >= ctx.settings.reconcile.max_failures.max(1) as i32;
            let (outcome, state) = if give_up {
                (
                    ItemOutcome::GaveUp { reason: &reason },
                    AgentState::NeedsAttention,
                )
            } else {
                let delay = ctx.settings.reconcile.retry_delay(failures as u32);
                let retry_at = after(delay);
                (
                    ItemOutcome::WriteFailed {
                        retry_at,
                        reason: &reason,
                    },
                    AgentState::Drifted,
                )
            };
            tracing::warn!(failures, give_up, reason, "agent failed");
            store
                .update_work_item(run.job.id, &item.user_id, outcome)
                .await?;
            store
                .set_agent_state(&item.user_id, state, Some(&reason), LastChange::Kept)
                .await?;
        }
    }
    Ok(())
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
    for item in &items {
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
        let changes = match run.want(run.key_of(item).as_ref()) {
            Some(want) => plan_agent(&want, live, &run.policy),
            None => Vec::new(),
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
        if !changes.iter().any(|c| c.writable) {
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
