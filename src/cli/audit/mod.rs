//! The audit record of `skillsync apply`: the same entries the daemon keeps, so that a one-shot
//! run leaves the record a strictly audited org needs. By default a JSON Lines file next to the
//! feed (`--audit FILE` names another); `--database URL` journals into a store's audit table
//! instead. Every intent is recorded before its call, and a call whose intent cannot be
//! recorded is not made.

mod file;

use std::path::{Path, PathBuf};

pub use file::AuditFile;

use super::apply::AgentJournals;
use crate::domain::AgentKey;
use crate::platform::{Journal, JournalError, WriteIntent, WriteResult};
use crate::reconciler::{audit_intent, audit_outcome, record_result};
use crate::store::{Store, StoreError};

/// Why the audit record cannot be kept.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Standard input has no place next to it for the file.
    #[error(
        "the feed comes from standard input: say where the audit record goes with \
         --audit FILE or --database URL; nothing was written"
    )]
    NoDestination,
    /// The file cannot be opened or read.
    #[error("cannot open the audit file {}: {error}; nothing was written", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why (in the message: not a `source`, so that it is not printed twice).
        error: std::io::Error,
    },
    /// The file exists and is something else.
    #[error(
        "{} does not end in skillsync audit lines; refusing to append to it; nothing was written",
        path.display()
    )]
    NotAnAuditFile {
        /// The file.
        path: PathBuf,
    },
    /// The database cannot be reached or migrated.
    #[error("cannot open the audit database: {0}; nothing was written")]
    Database(#[from] StoreError),
    /// Writes were made whose results could not be recorded.
    #[error("{count} write result(s) are missing from the audit record ({where_}): {first}")]
    Incomplete {
        /// How many.
        count: usize,
        /// The file or database.
        where_: String,
        /// The first error.
        first: String,
    },
}

/// Where the entries go.
enum Sink {
    File(AuditFile),
    Store(Store),
}

/// The audit record of one `apply` run.
pub struct Audit {
    sink: Sink,
    /// Who ran it, recorded as each entry's `actor`: daemon writes have none.
    actor: String,
    /// Results that could not be recorded: how many, and the first error.
    lost: parking_lot::Mutex<Option<(usize, String)>>,
}

impl Audit {
    /// Opens the record: the database at `database` (the audit of org `org` there), else the
    /// file `audit`, else `<feed>.audit.jsonl` next to the feed.
    pub async fn open(
        audit: Option<&Path>,
        database: Option<&str>,
        org: &str,
        feed: &Path,
    ) -> Result<Self, AuditError> {
        let sink = match (database, audit) {
            (Some(url), _) => Sink::Store(open_store(url).await?.for_org(org)),
            (None, Some(path)) => Sink::File(AuditFile::open(path)?),
            (None, None) => Sink::File(AuditFile::open(&default_path(feed)?)?),
        };
        Ok(Self {
            sink,
            actor: actor(),
            lost: parking_lot::Mutex::new(None),
        })
    }

    /// The file or the database kind, for messages (never the URL: it may hold a password).
    pub fn location(&self) -> String {
        match &self.sink {
            Sink::File(file) => file.path().display().to_string(),
            Sink::Store(store) => format!("the {} database", store.backend().as_str()),
        }
    }

    /// Closes the record; an error when a result could not be recorded.
    pub async fn finish(self) -> Result<(), AuditError> {
        let where_ = self.location();
        if let Sink::Store(store) = &self.sink {
            store.close().await;
        }
        match self.lost.into_inner() {
            None => Ok(()),
            Some((count, first)) => Err(AuditError::Incomplete {
                count,
                where_,
                first,
            }),
        }
    }

    async fn before(
        &self,
        key: Option<&AgentKey>,
        intent: &WriteIntent<'_>,
    ) -> Result<i64, JournalError> {
        let mut entry = audit_intent(intent, key.map(AgentKey::as_str));
        entry.actor = Some(self.actor.clone());
        let recorded = match &self.sink {
            Sink::File(file) => file.intent(entry).await,
            Sink::Store(store) => store.audit_intent(&entry).await.map_err(|e| e.to_string()),
        };
        recorded.map_err(|e| JournalError(format!("{}: {e}", self.location())))
    }

    async fn after(&self, token: i64, result: &WriteResult) {
        let outcome = audit_outcome(result);
        let recorded = match &self.sink {
            Sink::File(file) => {
                file.result(
                    token,
                    outcome,
                    result.status,
                    result.correlation_id.clone(),
                    result.error.clone(),
                )
                .await
            }
            Sink::Store(store) => record_result(store, token, result)
                .await
                .map_err(|e| e.to_string()),
        };
        if let Err(e) = recorded {
            // The write is made; the run goes on, and ends with an error naming the gap.
            tracing::error!(audit_id = token, error = %e, "cannot record a write's result");
            let mut lost = self.lost.lock();
            match lost.as_mut() {
                Some((count, _)) => *count += 1,
                None => *lost = Some((1, e)),
            }
        }
    }
}

/// One agent's writes, journaled under its feed key.
pub struct AgentAudit<'a> {
    audit: &'a Audit,
    key: Option<&'a AgentKey>,
}

impl Journal for AgentAudit<'_> {
    async fn before(&self, intent: &WriteIntent<'_>) -> Result<i64, JournalError> {
        self.audit.before(self.key, intent).await
    }

    async fn after(&self, token: i64, result: &WriteResult) {
        self.audit.after(token, result).await;
    }
}

impl AgentJournals for Audit {
    type Journal<'a> = AgentAudit<'a>;

    fn agent<'a>(&'a self, key: Option<&'a AgentKey>) -> AgentAudit<'a> {
        AgentAudit { audit: self, key }
    }
}

/// `<feed>.audit.jsonl`, beside the feed. Standard input has no such place, and a file in
/// whatever directory the command runs from is easily lost, so it must be named.
fn default_path(feed: &Path) -> Result<PathBuf, AuditError> {
    if feed.as_os_str() == "-" {
        return Err(AuditError::NoDestination);
    }
    let mut name = feed.as_os_str().to_owned();
    name.push(".audit.jsonl");
    Ok(PathBuf::from(name))
}

/// Opens the store as `skillsync migrate` does: created when missing, migrated.
async fn open_store(url: &str) -> Result<Store, AuditError> {
    let store = Store::connect_lazy(url, 2)?;
    store.create_database_if_missing(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// `cli:<login>` when the environment names the user, else `cli`.
fn actor() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
        .map_or_else(|| "cli".to_string(), |user| format!("cli:{user}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_sits_beside_the_feed() {
        assert_eq!(
            default_path(Path::new("/data/hr.csv")).ok(),
            Some(PathBuf::from("/data/hr.csv.audit.jsonl"))
        );
        assert!(matches!(
            default_path(Path::new("-")),
            Err(AuditError::NoDestination)
        ));
    }
}
