//! Leadership between processes sharing one database: on PostgreSQL a session advisory lock held
//! on a connection of its own (the lock lives exactly as long as that connection); on SQLite, one
//! process by design, that process always leads. Deciding what a leader runs is the daemon's.

use std::time::Duration;

use sqlx::{Connection, PgConnection};

use super::backend::{pg, Pool};
use super::{Store, StoreError};

/// The advisory lock key of "the leader of this database".
const LEADER_LOCK: i64 = 7_261_000;

/// Leadership taken; dropping it (or [`Leadership::release`]) gives it up.
#[derive(Debug)]
pub struct Leadership {
    held: Held,
}

#[derive(Debug)]
enum Held {
    /// The connection holding the lock.
    Session(PgConnection),
    /// The only process on the database.
    Sole,
}

impl Store {
    /// Tries to become the leader as `owner` (named on the lock's connection for operators);
    /// `None` while another process leads.
    pub async fn take_leadership(&self, owner: &str) -> Result<Option<Leadership>, StoreError> {
        let held = match &self.pool {
            Pool::Postgres(pool) => pg::try_session_lock(pool, owner, LEADER_LOCK)
                .await?
                .map(Held::Session),
            Pool::Sqlite(_) => Some(Held::Sole),
        };
        Ok(held.map(|held| Leadership { held }))
    }
}

impl Leadership {
    /// Watches the lock for `period`: true when it was held all along. The lock's connection
    /// spends the period inside a query (`pg_sleep`), so that a connection the database cuts —
    /// and with it the lock, which another process may take at once — ends the watch at once
    /// rather than at the next poll. A connection that stops answering altogether is the
    /// caller's to time out.
    pub async fn held_for(&mut self, period: Duration) -> bool {
        match &mut self.held {
            Held::Session(connection) => sqlx::query("SELECT pg_sleep($1)")
                .bind(period.as_secs_f64())
                .execute(connection)
                .await
                .is_ok(),
            Held::Sole => {
                tokio::time::sleep(period).await;
                true
            }
        }
    }

    /// Whether this process leads alone by design (SQLite), with no other process to hand over
    /// from.
    pub fn is_sole(&self) -> bool {
        matches!(self.held, Held::Sole)
    }

    /// Gives leadership up at once.
    pub async fn release(self) {
        if let Held::Session(connection) = self.held {
            // Closing ends the session, which frees the lock; a failure frees it too.
            let _ = connection.close().await;
        }
    }
}
