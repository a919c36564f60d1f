//! The Overview's certification counts (within 1, 7 and 30 days) and soonest expiries.
//!
//! They are worked out from the whole desired state, a read that costs more than every other
//! query of the page together (about 100 ms at 10,000 agents), so each org keeps the answer for
//! a minute, or until a feed changes the desired state. Otherwise every reload of an open
//! console would take that read again, and the status API beside it would feel the cost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

use super::page::stamp;
use crate::certs::expiring;
use crate::http::error::ApiError;
use crate::http::Api;

/// The windows certifications are counted over, in days.
const CERT_WINDOWS: [u64; 3] = [1, 7, 30];

/// How many of the soonest expiries the page lists.
const ROWS: usize = 20;

/// How long an answer is kept while no feed changes the desired state. Counts by whole days
/// move slowly; a minute keeps the page current enough and the reads rare.
const KEEP: Duration = Duration::from_secs(60);

const SECONDS_PER_DAY: u64 = 24 * 60 * 60;

/// Certifications expiring within one window.
pub struct CertWindow {
    /// The window in days.
    pub days: u64,
    /// How many expire within it.
    pub count: usize,
}

/// One certification expiring within the widest window.
pub struct CertRow {
    /// The agent holding it.
    pub agent: String,
    /// The certification.
    pub certification: String,
    /// When it expires, RFC 3339.
    pub expires_on: String,
}

/// What the Overview shows of certifications.
pub struct Expiring {
    /// Counts, narrowest window first.
    pub windows: Vec<CertWindow>,
    /// Within the widest window, soonest first (at most [`ROWS`]).
    pub soonest: Vec<CertRow>,
}

/// What the desired state was when an answer was made: the newest feed and where it stood. A
/// feed accepted, held, approved or rejected changes it.
pub type Version = Option<(i64, String)>;

struct Kept {
    version: Version,
    made: Instant,
    answer: Arc<Expiring>,
}

/// One org's kept answer.
#[derive(Default)]
pub struct ExpiryCache {
    kept: Mutex<Option<Kept>>,
}

impl ExpiryCache {
    /// The answer for `api`'s org at `now`, kept or made again when it is older than [`KEEP`]
    /// or the desired state's `version` changed.
    pub async fn get(
        &self,
        api: &Api,
        version: Version,
        now: DateTime<Utc>,
    ) -> Result<Arc<Expiring>, ApiError> {
        if let Some(kept) = self.kept.lock().as_ref() {
            if kept.version == version && kept.made.elapsed() < KEEP {
                return Ok(kept.answer.clone());
            }
        }
        let answer = Arc::new(work_out(api, now).await?);
        *self.kept.lock() = Some(Kept {
            version,
            made: Instant::now(),
            answer: answer.clone(),
        });
        Ok(answer)
    }
}

async fn work_out(api: &Api, now: DateTime<Utc>) -> Result<Expiring, ApiError> {
    let state = api.store.current_desired(api.agent_key).await?;
    let margin = api.certifications.margin();
    let days = |n: u64| Duration::from_secs(n * SECONDS_PER_DAY);
    let windows = CERT_WINDOWS
        .iter()
        .map(|&n| CertWindow {
            days: n,
            count: expiring(&state, now, days(n), margin).len(),
        })
        .collect();
    let widest = CERT_WINDOWS[CERT_WINDOWS.len() - 1];
    let soonest = expiring(&state, now, days(widest), margin)
        .into_iter()
        .take(ROWS)
        .map(|e| CertRow {
            agent: e.agent.as_str().to_string(),
            certification: e.certification.as_str().to_string(),
            expires_on: stamp(e.expires_on),
        })
        .collect();
    Ok(Expiring { windows, soonest })
}
