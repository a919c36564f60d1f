//! Read-your-writes over a lagging read. A conflict stops an agent's writes part-way; the calls
//! before it were acknowledged, but a re-read made soon after may not show them yet (read
//! replicas lag). Planning from that read alone would send a landed write again, so this journal
//! remembers which changes the platform acknowledged in this attempt, and converge lays them
//! over every re-read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

use parking_lot::Mutex;

use crate::domain::{Change, LiveAgent};
use crate::platform::{Journal, JournalError, WriteIntent, WriteResult};

/// Wraps the journal that records; passes every intent and result through unchanged.
pub struct Acknowledged<'a, J> {
    inner: &'a J,
    next: AtomicI64,
    /// Our token → the inner journal's token and the changes the write makes hold.
    open: Mutex<HashMap<i64, (i64, Vec<Change>)>>,
    landed: Mutex<Vec<Change>>,
}

impl<'a, J: Journal> Acknowledged<'a, J> {
    /// Starts an attempt with nothing acknowledged.
    pub fn new(inner: &'a J) -> Self {
        Self {
            inner,
            next: AtomicI64::new(1),
            open: Mutex::new(HashMap::new()),
            landed: Mutex::new(Vec::new()),
        }
    }

    /// `live` with every change acknowledged so far in this attempt laid over it, in the order
    /// they were acknowledged.
    pub fn over(&self, mut live: LiveAgent) -> LiveAgent {
        for change in self.landed.lock().iter() {
            live.with_landed(change);
        }
        live
    }
}

impl<J: Journal> Journal for Acknowledged<'_, J> {
    async fn before(&self, intent: &WriteIntent<'_>) -> Result<i64, JournalError> {
        let inner = self.inner.before(intent).await?;
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let changes = if intent.realizes {
            intent.changes.iter().map(|c| (*c).clone()).collect()
        } else {
            Vec::new()
        };
        self.open.lock().insert(token, (inner, changes));
        Ok(token)
    }

    async fn after(&self, token: i64, result: &WriteResult) {
        let Some((inner, changes)) = self.open.lock().remove(&token) else {
            return;
        };
        // Only an answer in hand counts: a write whose answer was lost (a 504 after it landed)
        // is unknown, and a re-read is the only way to learn about it.
        if result.error.is_none() && result.status.is_some_and(|s| (200..300).contains(&s)) {
            self.landed.lock().extend(changes);
        } else {
            // Items the platform named as done in an answer that failed others did land.
            let mut landed = self.landed.lock();
            for &i in &result.landed_items {
                if let Some(change) = changes.get(i) {
                    landed.push(change.clone());
                }
            }
        }
        self.inner.after(inner, result).await;
    }
}
