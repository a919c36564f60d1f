//! The changes planned for one agent, kept with its work item: stored when the items are
//! created, replaced after a re-plan, and decoded as a column type of its own (from JSONB on
//! PostgreSQL, JSON text on SQLite) like any other field of the item.

use std::ops::Deref;

use sqlx::{Database, Decode, Type};

use super::codec::{changes_from_json, changes_to_json};
use super::{PlannedItem, Store, StoreError};
use crate::domain::Change;

/// The changes planned for an agent, as stored with its work item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlannedChanges(pub Vec<Change>);

impl Deref for PlannedChanges {
    type Target = [Change];

    fn deref(&self) -> &[Change] {
        &self.0
    }
}

/// A stored value that does not decode as its column's type.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct CorruptValue {
    /// Where.
    pub table: &'static str,
    /// What.
    pub reason: String,
}

impl<DB: Database> Type<DB> for PlannedChanges
where
    serde_json::Value: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <serde_json::Value as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <serde_json::Value as Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for PlannedChanges
where
    serde_json::Value: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let json = <serde_json::Value as Decode<'r, DB>>::decode(value)?;
        let changes = changes_from_json(json).map_err(|reason| CorruptValue {
            table: "work_items",
            reason: format!("planned: {reason}"),
        })?;
        Ok(Self(changes))
    }
}

impl Store {
    /// Creates the items of a job with the changes planned for each agent; items that exist
    /// already are kept as they are, plan included (see [`Store::set_planned_changes`]).
    pub async fn create_planned_work_items(
        &self,
        job_id: i64,
        items: &[PlannedItem<'_>],
    ) -> Result<(), StoreError> {
        let items: Vec<_> = items.iter().map(|i| (i.item, Some(i.planned))).collect();
        self.insert_work_items(job_id, &items).await
    }

    /// Replaces the changes planned for one item's agent (after a re-plan); false when the job
    /// has no item for `user_id`.
    pub async fn set_planned_changes(
        &self,
        job_id: i64,
        user_id: &str,
        planned: &[Change],
    ) -> Result<bool, StoreError> {
        let changed = db!(self, |pool, D| {
            sqlx::query(
            "UPDATE work_items SET planned = $3 WHERE job_id = $1 AND user_id = $2 AND org = $4"
        )
        .bind(job_id)
        .bind(user_id)
        .bind(changes_to_json(planned))
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected()
        });
        Ok(changed == 1)
    }
}
