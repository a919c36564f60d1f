//! The house rules that keep the layout telling the architecture, checked on the source tree:
//! small files, vendors only behind `platform/`, SQL only in `store/`, no import circle between
//! the top-level rooms. They fail with the offending files named.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A file longer than this holds a second concept: split it.
const MAX_LINES: usize = 400;

/// Vendor connector modules under `src/platform/`.
const VENDORS: &[&str] = &["genesys", "cxone"];

/// Rooms allowed to name a vendor module: the connectors themselves and the simulators.
const VENDOR_ROOMS: &[&str] = &["platform", "sim"];

fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .expect("read src/")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).expect("read source file");
                out.push((path, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.into_iter()
        .map(|(p, t)| (p.strip_prefix(&root).expect("under src").to_path_buf(), t))
        .collect()
}

/// `platform` for `src/platform/genesys/auth.rs`, `config` for `src/config.rs`.
fn room(path: &Path) -> String {
    let first = path.components().next().expect("non-empty path");
    let first = first.as_os_str().to_string_lossy();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// Lines that are code: `//` comments and doc comments do not make a dependency.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim_start().starts_with("//"))
}

/// The rooms a file names through `crate::room`.
fn rooms_named(text: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in code_lines(text) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.insert(name);
            }
        }
    }
    named
}

#[test]
fn no_source_file_passes_the_line_limit() {
    let long: Vec<String> = sources()
        .iter()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(path, text)| format!("{} ({} lines)", path.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

#[test]
fn only_the_platform_and_the_simulator_know_a_vendor() {
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        if VENDOR_ROOMS.contains(&room(&path).as_str()) {
            continue;
        }
        for vendor in VENDORS {
            let module = format!("platform::{vendor}");
            if code_lines(&text).any(|l| l.contains(&module)) {
                offenders.push(format!("{} names {module}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn only_the_store_writes_sql() {
    let offenders: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| room(path) != "store")
        .filter(|(_, text)| code_lines(text).any(|l| l.contains("sqlx::query")))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "SQL outside src/store/: {offenders:?}"
    );
}

#[test]
fn no_import_circle_between_top_level_rooms() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        let from = room(&path);
        if from == "lib" || from == "main" {
            continue;
        }
        let to = graph.entry(from.clone()).or_default();
        to.extend(rooms_named(&text).into_iter().filter(|r| *r != from));
    }
    let mut circles = Vec::new();
    for start in graph.keys() {
        // A path from one of `start`'s dependencies back to `start` is a circle.
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Vec<String>> = graph[start]
            .iter()
            .map(|next| vec![start.clone(), next.clone()])
            .collect();
        while let Some(path) = stack.pop() {
            let last = path.last().expect("non-empty").clone();
            if last == *start {
                circles.push(path.join(" -> "));
                break;
            }
            if !seen.insert(last.clone()) {
                continue;
            }
            for next in graph.get(&last).into_iter().flatten() {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}
