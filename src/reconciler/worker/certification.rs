//! An urgent certification job reads and plans only the agents whose certifications started or
//! stopped being in force since the instant it was queued for, up to the job's own `now`: a full
//! read of every agent would cost minutes of the budget the routine job is using, and the
//! certification change must reach the platform within seconds of its instant (issue 14).

use std::collections::HashSet;

use super::{JobError, JobRun};
use crate::certs::agents_in_transition;
use crate::domain::LiveAgent;
use crate::platform::Platform;
use crate::store::Trigger;

/// The agents an urgent certification job plans, read from the platform; `None` when this job
/// is not one (or was queued without a `since`, and so reads everyone as before).
pub(super) async fn due(run: &JobRun<'_>) -> Result<Option<Vec<LiveAgent>>, JobError> {
    let job = run.job;
    let (true, Trigger::Certification, Some(since)) =
        (job.urgent, job.trigger, job.transitions_since)
    else {
        return Ok(None);
    };
    let ctx = run.ctx;
    let keys = agents_in_transition(
        &run.desired,
        since,
        run.policy.now,
        run.policy.certifications.margin,
    );
    let mut user_ids = Vec::with_capacity(keys.len());
    let mut unknown = false;
    for key in &keys {
        match ctx.store.agent(key.as_str()).await? {
            Some(known) => user_ids.push(known.user_id),
            None => unknown = true,
        }
    }
    tracing::info!(
        agents = keys.len(),
        "urgent certification job: planning the agents whose certifications changed"
    );
    if unknown {
        // An agent never observed has no user id yet: find it among everyone (rare; the
        // first full scan records every user).
        let kind = ctx.settings.planner.agent_key;
        let wanted: HashSet<&str> = keys.iter().map(|k| k.as_str()).collect();
        let live = ctx.platform.observe().await?;
        return Ok(Some(
            live.into_iter()
                .filter(|a| a.key(kind).is_some_and(|k| wanted.contains(k.as_str())))
                .collect(),
        ));
    }
    if user_ids.is_empty() {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(ctx.platform.read_agents(&user_ids).await?))
}
