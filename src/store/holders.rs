//! Who holds which skill, from the org's observed agents (issue 16): the platform has no "users
//! holding skill X" endpoint, so the coverage guard counts skillsync's own observations — every
//! agent the org has observed, as of its last read.

use std::collections::HashMap;

use super::backend::Dialect;
use super::{Store, StoreError};

impl Store {
    /// Observed agents holding each skill, by skill name.
    pub async fn skill_holders(&self) -> Result<HashMap<String, usize>, StoreError> {
        let rows: Vec<(String, i64)> = db!(self, |pool, D| sqlx::query_as(&format!(
            "SELECT k.key AS name, count(*) AS holders FROM agents, {}
             WHERE agents.org = $1 GROUP BY k.key",
            D::object_keys("agents.observed", "skills")
        ))
        .bind(&*self.org)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(name, n)| (name, usize::try_from(n).unwrap_or(0)))
            .collect())
    }
}
