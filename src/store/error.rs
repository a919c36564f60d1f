//! The store's one error type, and which of its errors mean "the database is unavailable, wait"
//! on each backend.

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Migrations could not be applied.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value does not decode (a bug or a hand-edited row).
    #[error("corrupt stored value in {table}: {reason}")]
    Corrupt {
        /// Where.
        table: &'static str,
        /// What.
        reason: String,
    },
    /// The row asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The operation does not fit the row's state (e.g. approving a job that is not held).
    #[error("{0}")]
    Conflict(String),
}

/// A stored word outside its set (see `vocabulary.rs`), or planned changes that do not decode,
/// make a corrupt row, not a database failure.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::ColumnDecode { source, .. } = &e {
            if let Some(word) = source.downcast_ref::<super::UnknownWord>() {
                return corrupt(word.table, word);
            }
            if let Some(value) = source.downcast_ref::<super::planned::CorruptValue>() {
                return corrupt(value.table, value);
            }
        }
        Self::Database(e)
    }
}

/// SQLite's primary result codes for "another connection holds the lock" (the extended codes
/// carry them in their low byte).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            let Some(code) = db.code() else {
                return false;
            };
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // Busy or locked outlasted the busy timeout: a writer held the file; retry.
                // Anything else (a missing directory, a read-only file) will not heal by waiting.
                code.parse::<i32>()
                    .is_ok_and(|c| matches!(c & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
            } else {
                // PostgreSQL: operator intervention (57…, e.g. shutting down) or connection
                // exceptions (08…).
                code.starts_with("57") || code.starts_with("08")
            }
        }
        _ => false,
    }
}

impl StoreError {
    /// True when the database could not be reached (as opposed to refusing a statement): the
    /// caller should wait and try again. On SQLite: the file stayed locked by another writer.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(e) => unavailable(e),
            Self::Migrate(sqlx::migrate::MigrateError::Execute(e)) => unavailable(e),
            _ => false,
        }
    }

    /// A short, stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Database(_) => "database",
            Self::Migrate(_) => "migrate",
            Self::Corrupt { .. } => "corrupt",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
        }
    }
}

pub(super) fn corrupt(table: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: reason.to_string(),
    }
}
