//! Incremental drift scans: between full scans, read only the agents the platform reports
//! changed since the stored scan cursor. The cursor is stored only once a scan's plan is saved
//! (its drift, and its work items or its "nothing to do"), so that a crash before then reads the
//! same changes again rather than skipping them. Whether a change listing reports removed
//! assignments is not known for every platform: only the full scan is trusted to find those.

use super::{JobError, JobRun};
use crate::platform::incremental::Changed;
use crate::platform::Platform;
use crate::store::Trigger;

/// The agents changed since the stored cursor, when this job is an incremental scan that can
/// be one; `None`: scan everyone (not an incremental job, no cursor yet, or a platform that
/// cannot list changes).
pub(super) async fn changed(run: &JobRun<'_>) -> Result<Option<Changed>, JobError> {
    let ctx = run.ctx;
    if run.job.trigger != Trigger::IncrementalScan || run.job.agent.is_some() {
        return Ok(None);
    }
    let Some(cursor) = ctx.store.scan_cursor().await? else {
        // A full scan stores the first cursor (on platforms that have one).
        tracing::info!("no scan cursor stored yet: the incremental scan reads everyone");
        return Ok(None);
    };
    match ctx.platform.observe_changed(&cursor).await? {
        Some(changed) => {
            tracing::info!(
                changed = changed.agents.len(),
                "incremental scan: agents changed since the last scan"
            );
            Ok(Some(changed))
        }
        None => {
            tracing::warn!(
                "the platform cannot list changes: the incremental scan reads everyone \
                 (leave reconcile.incremental_scan_cron empty on this platform)"
            );
            Ok(None)
        }
    }
}

/// Stores where the next incremental scan starts; called once the scan's plan is saved.
pub(super) async fn remember(run: &JobRun<'_>, cursor: Option<&str>) -> Result<(), JobError> {
    if let Some(cursor) = cursor {
        run.ctx.store.set_scan_cursor(cursor).await?;
    }
    Ok(())
}
