//! Every committed seed under `fuzz/corpus/<target>/` through its target's check, and the
//! corpora still reach each kind of answer (so a seed that stops reaching its path is noticed).

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use skillsync::feed::FeedFormat;

use crate::checks::{self, ConfigInput, IngestInput, IngestVerdict, Verdict};

/// The seeds of `target`, sorted by name.
fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{} holds too few seeds", dir.display());
    files
        .into_iter()
        .map(|path| {
            let data = std::fs::read(&path).expect("read seed");
            (path, data)
        })
        .collect()
}

/// Runs `check` on every seed of `target` and counts the answers; a failed check names its seed.
fn replay<V: std::fmt::Debug + Ord>(
    target: &str,
    check: impl Fn(&[u8]) -> V,
) -> BTreeMap<V, usize> {
    let mut seen = BTreeMap::new();
    for (path, data) in seeds(target) {
        match catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(verdict) => *seen.entry(verdict).or_insert(0) += 1,
            Err(_) => panic!("seed {} fails its check (message above)", path.display()),
        }
    }
    seen
}

#[test]
fn csv_reader_seeds_pass_and_reach_both_answers() {
    let seen = replay("csv_reader", |data| checks::check(FeedFormat::Csv, data));
    assert!(
        seen.contains_key(&Verdict::Accepted) && seen.contains_key(&Verdict::Rejected),
        "{seen:?}"
    );
}

#[test]
fn json_reader_seeds_pass_and_reach_both_answers() {
    let seen = replay("json_reader", |data| checks::check(FeedFormat::Json, data));
    assert!(
        seen.contains_key(&Verdict::Accepted) && seen.contains_key(&Verdict::Rejected),
        "{seen:?}"
    );
}

#[test]
fn ingest_request_seeds_pass_and_reach_every_answer() {
    let seen = replay("ingest_request", |data| {
        format!("{:?}", checks::check_ingest(&IngestInput::parse(data)))
    });
    for expected in [
        IngestVerdict::Refused(axum::http::StatusCode::BAD_REQUEST),
        IngestVerdict::Refused(axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE),
        IngestVerdict::Judged(Verdict::Accepted),
        IngestVerdict::Judged(Verdict::Rejected),
    ] {
        assert!(
            seen.contains_key(&format!("{expected:?}")),
            "no seed is {expected:?}: {seen:?}"
        );
    }
}

#[test]
fn config_loader_seeds_pass_and_reach_every_answer() {
    let seen = replay("config_loader", |data| {
        format!("{:?}", checks::check_config(&ConfigInput::parse(data)))
    });
    for expected in ["Invalid", "Refused", "Usable"] {
        assert!(
            seen.contains_key(expected),
            "no seed is {expected}: {seen:?}"
        );
    }
}
