//! The audit file of `apply`: JSON Lines, appended to and never rewritten. Every line is one
//! audit entry exactly as `GET /v1/audit` shows it: an intent line (`outcome: "pending"`) is
//! written and synced to disk before its call, and a result line with the same `id` after it.
//! A reader keeps the last line of each `id`, as the database keeps one row per write.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;

use super::AuditError;
use crate::store::{AuditEntry, AuditIntent, AuditOutcome, AuditStatus};

/// How much of an existing file's end is read to continue its ids: far more than the result
/// lines that can follow the last intent (one per write in flight).
const TAIL_BYTES: u64 = 1 << 20;

/// An open audit file.
pub struct AuditFile {
    path: PathBuf,
    state: Arc<parking_lot::Mutex<State>>,
    /// Intents written and not yet completed, by id: their result line repeats them.
    open: parking_lot::Mutex<HashMap<i64, AuditEntry>>,
}

struct State {
    file: File,
    /// The id of the next intent: one past the highest in the file, so that ids stay unique
    /// across the runs appended to one file.
    next_id: i64,
    /// Why the file can no longer be trusted: a line may be torn, so nothing more is written.
    broken: Option<String>,
}

/// Only the id of an existing line is read.
#[derive(serde::Deserialize)]
struct Line {
    id: i64,
}

impl AuditFile {
    /// Opens (or creates) `path` for appending. A non-empty file must end in audit lines:
    /// anything else (the feed itself, say) is refused rather than appended to.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let open_error = |error| AuditError::Open {
            path: path.to_path_buf(),
            error,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(open_error)?;
        let next_id = next_id(&mut file, path).map_err(|e| e.or_open(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            state: Arc::new(parking_lot::Mutex::new(State {
                file,
                next_id,
                broken: None,
            })),
            open: parking_lot::Mutex::new(HashMap::new()),
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes and syncs an intent line; returns its id.
    pub async fn intent(&self, intent: AuditIntent) -> Result<i64, String> {
        let state = Arc::clone(&self.state);
        let entry = blocking(move || {
            let mut state = state.lock();
            let entry = AuditEntry {
                id: state.next_id,
                at: Utc::now(),
                intent,
                outcome: AuditStatus::Pending,
                http_status: None,
                correlation_id: None,
                error: None,
                finished_at: None,
            };
            state.append(&entry)?;
            state.next_id += 1;
            Ok(entry)
        })
        .await?;
        let id = entry.id;
        self.open.lock().insert(id, entry);
        Ok(id)
    }

    /// Writes and syncs the result line of intent `id`.
    pub async fn result(
        &self,
        id: i64,
        outcome: AuditOutcome,
        http_status: Option<u16>,
        correlation_id: Option<String>,
        error: Option<String>,
    ) -> Result<(), String> {
        let Some(mut entry) = self.open.lock().remove(&id) else {
            return Err(format!("no intent {id} to complete"));
        };
        entry.outcome = match outcome {
            AuditOutcome::Ok => AuditStatus::Ok,
            AuditOutcome::Failed => AuditStatus::Failed,
        };
        entry.http_status = http_status.map(i32::from);
        entry.correlation_id = correlation_id;
        entry.error = error;
        entry.finished_at = Some(Utc::now());
        let state = Arc::clone(&self.state);
        blocking(move || state.lock().append(&entry)).await
    }
}

impl State {
    /// One line, written whole and synced before returning: a compliance record must be on
    /// disk before the call it announces.
    fn append(&mut self, entry: &AuditEntry) -> Result<(), String> {
        if let Some(why) = &self.broken {
            return Err(format!("an earlier write failed ({why})"));
        }
        let mut line = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        line.push(b'\n');
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        written.map_err(|e| {
            let why = e.to_string();
            self.broken = Some(why.clone());
            why
        })
    }
}

/// Runs file I/O off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("the audit writer stopped: {e}"))?
}

/// Why an existing file cannot be continued.
enum TailError {
    Io(std::io::Error),
    Foreign,
}

impl TailError {
    fn or_open(self, path: &Path) -> AuditError {
        match self {
            Self::Io(error) => AuditError::Open {
                path: path.to_path_buf(),
                error,
            },
            Self::Foreign => AuditError::NotAnAuditFile {
                path: path.to_path_buf(),
            },
        }
    }
}

/// One past the highest id in the last [`TAIL_BYTES`] of the file (1 for an empty file). A
/// file that does not end in a newline (a line torn by a crash) gets one, so that the next
/// line starts on its own.
fn next_id(file: &mut File, path: &Path) -> Result<i64, TailError> {
    let len = file.metadata().map_err(TailError::Io)?.len();
    if len == 0 {
        return Ok(1);
    }
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).map_err(TailError::Io)?;
    let mut tail = Vec::new();
    file.take(TAIL_BYTES)
        .read_to_end(&mut tail)
        .map_err(TailError::Io)?;
    let text = String::from_utf8_lossy(&tail);
    let mut lines = text.split('\n');
    if start > 0 {
        // The window starts inside a line.
        lines.next();
    }
    let highest = lines
        .filter_map(|l| serde_json::from_str::<Line>(l).ok())
        .map(|l| l.id)
        .max()
        .ok_or(TailError::Foreign)?;
    if !tail.ends_with(b"\n") {
        tracing::warn!(path = %path.display(), "the audit file ends in a torn line; starting a new one");
        file.write_all(b"\n")
            .and_then(|()| file.sync_data())
            .map_err(TailError::Io)?;
    }
    Ok(highest + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ids_continue_after_the_last_line_and_a_torn_line_is_closed() {
        let path = std::env::temp_dir().join(format!(
            "skillsync-audit-unit-{}.jsonl",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, "{\"id\":6}\n{\"id\":7}\n{\"id\":8,\"at\":\"20").expect("seeded");
        let file = AuditFile::open(&path).expect("opens");
        let id = file
            .intent(AuditIntent {
                call: "patch_skills".into(),
                ..AuditIntent::default()
            })
            .await
            .expect("written");
        assert_eq!(id, 8);
        file.result(id, AuditOutcome::Ok, Some(200), None, None)
            .await
            .expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        let _ = std::fs::remove_file(&path);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[3].starts_with("{\"id\":8,") && lines[3].contains("\"pending\""));
        assert!(
            lines[4].contains("\"outcome\":\"ok\"") && lines[4].contains("\"http_status\":200")
        );
    }

    #[test]
    fn a_file_of_something_else_is_not_appended_to() {
        let path = std::env::temp_dir().join(format!(
            "skillsync-audit-unit-{}.csv",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, "agent,type,name\n").expect("seeded");
        let opened = AuditFile::open(&path);
        let _ = std::fs::remove_file(&path);
        assert!(matches!(opened, Err(AuditError::NotAnAuditFile { .. })));
    }
}
