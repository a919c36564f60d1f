//! Leadership between processes sharing one database: on PostgreSQL a session advisory lock held
//! on a connection of its own (the lock lives exactly as long as that connection); on SQLite, one
//! process by design, that process always leads. Deciding what a leader runs is the daemon's.

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
    /// Whether the lock is still held: its connection still answers. A leader that cannot tell
    /// must stop, since the database frees the lock when it drops the connection.
    pub async fn still_held(&mut self) -> bool {
        match &mut self.held {
            Held::Session(connection) => sqlx::query("SELECT 1").execute(connection).await.is_ok(),
            Held::Sole => true,
        }
    }

    /// Gives leadership up at once.
    pub async fn release(self) {
        if let Held::Session(connection) = self.held {
            // Closing ends the session, which frees the lock; a failure frees it too.
            let _ = connection.close().await;
        }
    }
}
