//! The org's skill definitions as last listed from the platform (issue 16), so that `GET
//! /v1/skills` answers from the database and never calls the platform.

use chrono::{DateTime, Utc};

use super::backend::Dialect;
use super::{Store, StoreError};

/// One listed definition.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CatalogEntry {
    /// The exact name.
    pub name: String,
    /// `active`, `inactive` or `deleted`.
    pub state: String,
    /// When it was listed.
    pub listed_at: DateTime<Utc>,
}

impl Store {
    /// Replaces the listed definitions with `entries` (name, state).
    pub async fn replace_catalog(&self, entries: &[(String, &str)]) -> Result<(), StoreError> {
        let now = Utc::now();
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            sqlx::query("DELETE FROM skill_catalog WHERE org = $1")
                .bind(&*self.org)
                .execute(&mut *tx)
                .await?;
            for (name, state) in entries {
                sqlx::query(
                    "INSERT INTO skill_catalog (org, name, state, listed_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (org, name) DO NOTHING",
                )
                .bind(&*self.org)
                .bind(name)
                .bind(*state)
                .bind(D::ts(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The listed definitions, by name.
    pub async fn catalog(&self) -> Result<Vec<CatalogEntry>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(
            "SELECT name, state, listed_at FROM skill_catalog WHERE org = $1 ORDER BY name"
        )
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }
}
