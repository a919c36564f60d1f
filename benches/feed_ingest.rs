//! Feed ingestion benchmark (not a test): generates feeds, then times `skillsync::feed::read`
//! (parse, validate, normalize, hash) and reports peak memory. Each case runs in its own
//! process so that its peak RSS (VmHWM) is its own.
//!
//! `cargo bench --bench feed_ingest` runs every case; `cargo test` runs one small case as a
//! smoke test. Results and the machine they came from go into docs/benchmarks.md.

#[path = "support/feed_gen.rs"]
mod feed_gen;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use feed_gen::{Names, Shape};
use skillsync::domain::FeedScope;
use skillsync::feed::{self, FeedFormat, FeedRules, FeedSettings, FeedSource};

struct Case {
    name: &'static str,
    format: FeedFormat,
    shape: Shape,
}

const fn case(name: &'static str, format: FeedFormat, agents: u64, repeat: u32) -> Case {
    Case {
        name,
        format,
        shape: Shape {
            agents,
            per_agent: 10,
            repeat,
        },
    }
}

const CASES: &[Case] = &[
    case("csv-100k-rows", FeedFormat::Csv, 10_000, 1),
    case("csv-250k-rows", FeedFormat::Csv, 25_000, 1),
    case("csv-1m-rows", FeedFormat::Csv, 100_000, 1),
    case("csv-1m-rows-10x-dup", FeedFormat::Csv, 10_000, 10),
    case("json-1m-items", FeedFormat::Json, 100_000, 1),
];

const SMOKE: Case = case("csv-smoke", FeedFormat::Csv, 1_000, 1);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--case") {
        let name = args.get(position + 1).expect("--case NAME");
        let case = CASES.iter().find(|c| c.name == name).expect("known case");
        println!("{}", run(case));
        return;
    }
    print_header();
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and gets a smoke run.
    if !args.iter().any(|a| a == "--bench") {
        println!("{}", run(&SMOKE));
        return;
    }
    let me = std::env::current_exe().expect("own path");
    for case in CASES {
        let output = Command::new(&me)
            .args(["--case", case.name])
            .output()
            .expect("case runs");
        assert!(
            output.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&output.stderr)
        );
        print!("{}", String::from_utf8_lossy(&output.stdout));
    }
}

fn print_header() {
    println!(
        "| {:<20} | {:>9} | {:>8} | {:>7} | {:>11} | {:>12} | {:>13} |",
        "case", "rows", "file MB", "seconds", "rows/s", "assignments", "peak RSS MB"
    );
    println!(
        "|{:-<22}|{:->11}|{:->10}|{:->9}|{:->13}|{:->14}|{:->15}|",
        "", "", "", "", "", "", ""
    );
}

/// Generates the case's feed into a temporary file, reads it, and returns a table row.
fn run(case: &Case) -> String {
    let path = generate(case);
    let file_mb = std::fs::metadata(&path).expect("generated").len() as f64 / 1e6;
    let settings = FeedSettings {
        time_zone: Some("Europe/Berlin".into()),
        ..FeedSettings::default()
    };
    let rules = FeedRules::from_settings(&settings, &skillsync::platform::scales::GENESYS)
        .expect("valid settings");
    let source = FeedSource {
        name: case.name.into(),
        format: case.format,
        scope: FeedScope::Snapshot,
    };
    let input = File::open(&path).expect("generated feed");
    let started = Instant::now();
    let feed = feed::read(input, &source, &rules).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let seconds = started.elapsed().as_secs_f64();
    let peak_mb = peak_rss_kb() as f64 / 1024.0;
    let _ = std::fs::remove_file(&path);
    let counts = feed.counts;
    let assignments = counts.skills + counts.languages + counts.certifications;
    let rows = case.shape.rows();
    assert_eq!(
        assignments as u64,
        case.shape.agents * 10,
        "{}: every distinct assignment kept",
        case.name
    );
    format!(
        "| {:<20} | {:>9} | {:>8.1} | {:>7.3} | {:>11.0} | {:>12} | {:>13.1} |",
        case.name,
        rows,
        file_mb,
        seconds,
        rows as f64 / seconds,
        assignments,
        peak_mb
    )
}

fn generate(case: &Case) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "skillsync-bench-{}-{}.{}",
        std::process::id(),
        case.name,
        case.format
    ));
    let mut out = BufWriter::new(File::create(&path).expect("temp file"));
    match case.format {
        FeedFormat::Csv => feed_gen::write_csv(&mut out, case.shape, &Names::default()),
        FeedFormat::Json => feed_gen::write_json(&mut out, case.shape, &Names::default()),
    }
    .expect("write feed");
    out.flush().expect("flush feed");
    path
}

/// Peak resident set size of this process, from /proc/self/status (0 where there is none).
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
