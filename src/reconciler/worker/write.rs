//! Writing claimed work items: look up what each agent should hold, read the agents whose job
//! scan cannot be trusted any more (in one call), converge them together, and record how each
//! ended. One item at a time (Genesys) and many at once (a connector that groups writes) are the
//! same steps; only the size of the group differs.

use std::collections::HashMap;

use chrono::Utc;
use futures::{stream, StreamExt};

use super::{deferral, JobError, JobRun};
use crate::domain::{AgentDesired, AgentKey, Change, LiveAgent};
use crate::planner::{plan_agent, Decision, Policy};
use crate::platform::Platform;
use crate::reconciler::journal::StoreJournal;
use crate::reconciler::{converge_batch, AgentOutcome, Target};
use crate::store::{AgentState, ItemOutcome, LastChange, WorkItem};

/// A claimed item to write, with what its agent should hold.
struct Wanted {
    item: WorkItem,
    key: Option<AgentKey>,
    want: AgentDesired,
    /// The agent as the job's scan read it, for a fresh item.
    seen: Option<LiveAgent>,
}

/// An item ready to converge.
struct Ready {
    item: WorkItem,
    key: Option<AgentKey>,
    want: AgentDesired,
    live: LiveAgent,
    /// The job's plan, when `live` is the read it was made from.
    planned: Option<Vec<Change>>,
}

/// Writes `writes` (each item with the scan's read of its agent, when that read still holds)
/// as one group, and records each item's outcome.
pub(super) async fn write_items(
    run: &JobRun<'_>,
    writes: Vec<(WorkItem, Option<LiveAgent>)>,
    activities: &HashMap<String, String>,
) -> Result<(), JobError> {
    let mut wanted = Vec::with_capacity(writes.len());
    for (item, seen) in writes {
        if let Some(w) = wanted_of(run, item, seen).await? {
            wanted.push(w);
        }
    }
    let (ready, unread) = read_live(run, wanted).await;
    let concurrency = run.ctx.settings.max_concurrency.max(1);
    let failed: Vec<_> = unread
        .iter()
        .map(|(item, reason)| record(run, item, Err(reason.clone())))
        .collect();
    all(failed, concurrency).await?;
    let policy = run.current_policy();
    let (now, urgent_only) = sort_by_deferral(run, ready, &policy, activities).await?;
    converge_ready(run, now, &policy).await?;
    let held = Policy {
        hold_routine: true,
        ..policy
    };
    converge_ready(run, urgent_only, &held).await
}

/// Splits `ready` by what the deferral rules allow now: everything, or only the urgent changes
/// (the routine ones wait); agents with nothing to write now are recorded as deferred.
async fn sort_by_deferral(
    run: &JobRun<'_>,
    ready: Vec<Ready>,
    policy: &Policy,
    activities: &HashMap<String, String>,
) -> Result<(Vec<Ready>, Vec<Ready>), JobError> {
    let (mut now, mut urgent_only) = (Vec::with_capacity(ready.len()), Vec::new());
    for r in ready {
        let planned;
        let changes = match &r.planned {
            Some(changes) => changes,
            None => {
                planned = plan_agent(&r.want, &r.live, policy);
                &planned
            }
        };
        match deferral::decide(run, &r.live, changes, activities).await? {
            Decision::Write { overdue: None } => now.push(r),
            Decision::Write {
                overdue: Some(reason),
            } => {
                deferral::audit_override(run, &r.item, changes, &reason).await?;
                now.push(r);
            }
            Decision::UrgentOnly { .. } => {
                // A plan made before is written as it is: its routine changes must not be.
                let planned = r.planned.map(|mut changes| {
                    changes.iter_mut().for_each(Change::hold_if_routine);
                    changes
                });
                urgent_only.push(Ready { planned, ..r });
            }
            Decision::Wait { reason } => deferral::defer(run, &r.item, &reason).await?,
        }
    }
    Ok((now, urgent_only))
}

/// Converges `ready` as one group under `policy`, and records each item's outcome.
async fn converge_ready(
    run: &JobRun<'_>,
    ready: Vec<Ready>,
    policy: &Policy,
) -> Result<(), JobError> {
    if ready.is_empty() {
        return Ok(());
    }
    let concurrency = run.ctx.settings.max_concurrency.max(1);
    let ctx = run.ctx;
    let journals: Vec<StoreJournal<'_>> = ready
        .iter()
        .map(|r| StoreJournal {
            store: ctx.store.clone(),
            job_id: run.job.id,
            feed_id: run.job.feed_id,
            metrics: ctx.metrics.clone(),
            agent_key: r.key.clone(),
            notifier: &ctx.notifier,
            pending: Default::default(),
        })
        .collect();
    let mut items = Vec::with_capacity(ready.len());
    let mut targets = Vec::with_capacity(ready.len());
    for (r, journal) in ready.iter().zip(&journals) {
        // The job's plan holds for the read it was made from; any other read is planned again.
        let target = Target {
            want: &r.want,
            live: r.live.clone(),
            planned: r.planned.clone(),
        };
        targets.push((target, journal));
        items.push((&r.item, r.planned.is_none()));
    }
    let max_replans = ctx.settings.reconcile.max_replans;
    let outcomes = converge_batch(ctx.platform.as_ref(), targets, policy, max_replans).await;
    let recorded: Vec<_> = items
        .into_iter()
        .zip(outcomes)
        .map(|((item, replanned), outcome)| {
            let outcome = match outcome {
                AgentOutcome::Written { replans, changes } => {
                    Ok((replanned || replans > 0).then_some(changes))
                }
                AgentOutcome::Failed(e) => Err(e.to_string()),
            };
            record(run, item, outcome)
        })
        .collect();
    all(recorded, concurrency).await
}

/// Runs `records`, `concurrency` at a time (the database pool is shared with the API), and
/// returns the first error.
async fn all(
    records: Vec<impl std::future::Future<Output = Result<(), JobError>>>,
    concurrency: usize,
) -> Result<(), JobError> {
    let results: Vec<Result<(), JobError>> = stream::iter(records)
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().collect()
}

/// What `item`'s agent should hold; `None` (recorded as unneeded) when the desired state no
/// longer names it, after a withdrawn feed.
async fn wanted_of(
    run: &JobRun<'_>,
    item: WorkItem,
    seen: Option<LiveAgent>,
) -> Result<Option<Wanted>, JobError> {
    let key = run.key_of(&item);
    let Some(want) = run.want(key.as_ref()) else {
        run.ctx
            .store
            .update_work_item(run.job.id, &item.user_id, ItemOutcome::Unneeded)
            .await?;
        return Ok(None);
    };
    Ok(Some(Wanted {
        item,
        key,
        want,
        seen,
    }))
}

/// The items with their agents' reads: the scan's where it holds, else one read of all the
/// others together. Items whose agent cannot be read come back apart, with the reason.
async fn read_live(run: &JobRun<'_>, wanted: Vec<Wanted>) -> (Vec<Ready>, Vec<(WorkItem, String)>) {
    let ids: Vec<String> = wanted
        .iter()
        .filter(|w| w.seen.is_none())
        .map(|w| w.item.user_id.clone())
        .collect();
    let mut fresh: Result<HashMap<String, LiveAgent>, String> = if ids.is_empty() {
        Ok(HashMap::new())
    } else {
        match run.ctx.platform.read_agents(&ids).await {
            Ok(agents) => Ok(agents.into_iter().map(|a| (a.user_id.clone(), a)).collect()),
            Err(e) => Err(e.to_string()),
        }
    };
    let mut ready = Vec::with_capacity(wanted.len());
    let mut unread = Vec::new();
    for Wanted {
        mut item,
        key,
        want,
        seen,
    } in wanted
    {
        let (live, planned) = match seen {
            Some(live) => {
                let planned = item.planned.take().map(|p| p.0);
                (Ok(live), planned)
            }
            None => {
                let live = match &mut fresh {
                    Ok(fresh) => fresh
                        .remove(&item.user_id)
                        .ok_or_else(|| "the user is no longer an active platform user".to_string()),
                    Err(e) => Err(e.clone()),
                };
                (live, None)
            }
        };
        match live {
            Ok(live) => ready.push(Ready {
                item,
                key,
                want,
                live,
                planned,
            }),
            Err(reason) => unread.push((item, reason)),
        }
    }
    (ready, unread)
}

/// When to re-read an agent written at `now`: after the settle time, rounded up to the next
/// multiple of a tenth of it (at most 5 s), so that agents written a moment apart come due
/// together and are verified by one read of up to 100 users rather than one read each (at the
/// Genesys default of 60 s: one read per 5 s of writes, instead of one per agent).
fn verify_at(now: chrono::DateTime<Utc>, settle: std::time::Duration) -> chrono::DateTime<Utc> {
    let gather = (settle / 10).min(std::time::Duration::from_secs(5));
    let due = now + chrono::Duration::from_std(settle).unwrap_or_else(|_| chrono::Duration::zero());
    let step = i64::try_from(gather.as_millis()).unwrap_or(0);
    if step == 0 {
        return due;
    }
    let millis = due.timestamp_millis();
    let rounded = millis + (step - millis.rem_euclid(step)) % step;
    chrono::DateTime::from_timestamp_millis(rounded).unwrap_or(due)
}

fn after(d: std::time::Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::zero())
}

/// Records how `item`'s write ended: written (with the changes to keep as its plan, when they
/// were planned anew) and due for verification, or failed and due for a retry or given up on.
async fn record(
    run: &JobRun<'_>,
    item: &WorkItem,
    outcome: Result<Option<Vec<Change>>, String>,
) -> Result<(), JobError> {
    let ctx = run.ctx;
    let store = &ctx.store;
    match outcome {
        Ok(replanned) => {
            if let Some(changes) = replanned {
                store
                    .set_planned_changes(run.job.id, &item.user_id, &changes)
                    .await?;
            }
            let verify_at = verify_at(Utc::now(), ctx.settings.reconcile.settle());
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
            tracing::warn!(agent = %item.label, failures, give_up, reason, "agent failed");
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

#[cfg(test)]
mod tests {
    use super::verify_at;
    use std::time::Duration;

    fn at(ms: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(ms).expect("instant")
    }

    #[test]
    fn agents_written_a_moment_apart_come_due_together() {
        let table = [
            // (written at ms, settle, due at ms)
            (0, Duration::from_secs(60), 60_000),
            (1, Duration::from_secs(60), 65_000),
            (4_999, Duration::from_secs(60), 65_000),
            (5_001, Duration::from_secs(60), 70_000),
            // A tenth of the settle time when that is under 5 s.
            (100, Duration::from_secs(5), 5_500),
            (600, Duration::from_secs(5), 6_000),
            // Never before the settle time has passed.
            (123, Duration::from_millis(200), 340),
            (123, Duration::ZERO, 123),
        ];
        for (written, settle, due) in table {
            let got = verify_at(at(written), settle);
            assert_eq!(got, at(due), "{written} ms, {settle:?}");
            assert!(got >= at(written) + chrono::Duration::from_std(settle).expect("d"));
        }
    }
}
