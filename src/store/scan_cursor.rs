//! The scan cursor: where the platform's change listing stands, so that an incremental drift scan
//! asks only for what changed since the last scan. Kept in the database rather than in memory so
//! that it survives restarts and every replica's worker continues from the same point.

use super::{Store, StoreError};

/// The `daemon_state` key the cursor is kept under.
const SCAN_CURSOR: &str = "scan_cursor";

impl Store {
    /// The cursor stored by the last scan; `None` before the first one (or when the value is not
    /// a string, which only a hand edit could make: a full scan then sets it again).
    pub async fn scan_cursor(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .state_value(SCAN_CURSOR)
            .await?
            .and_then(|v| v.as_str().map(str::to_owned)))
    }

    /// Stores the cursor to read changes from next time.
    pub async fn set_scan_cursor(&self, cursor: &str) -> Result<(), StoreError> {
        self.set_state_value(SCAN_CURSOR, serde_json::Value::from(cursor))
            .await
    }
}
