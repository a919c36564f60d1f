//! A simulator's `/sim/stats` as calls by "METHOD path-template status", printed as a markdown
//! table, and a job's duration as `/v1/jobs` reports it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Calls in a `/sim/stats` answer by "METHOD path status", logins included.
pub fn calls(stats: &Value) -> BTreeMap<String, u64> {
    let mut by_path = BTreeMap::new();
    for r in stats["requests"].as_array().into_iter().flatten() {
        let key = format!(
            "{} {} {}",
            r["method"].as_str().unwrap_or_default(),
            r["path"].as_str().unwrap_or_default(),
            r["status"]
        );
        *by_path.entry(key).or_insert(0) += r["count"].as_u64().unwrap_or(0);
    }
    by_path
}

/// Calls whose "METHOD path status" key starts with `prefix`.
pub fn count(calls: &BTreeMap<String, u64>, prefix: &str) -> u64 {
    calls
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, n)| n)
        .sum()
}

/// A markdown table of calls by path, one column per measurement, with a total row.
pub fn print_calls(columns: &[&str], measured: &[&BTreeMap<String, u64>]) {
    let keys: BTreeSet<&String> = measured.iter().flat_map(|m| m.keys()).collect();
    println!(
        "| call (method, path template, status) | {} |",
        columns.join(" | ")
    );
    println!("|---|{}", "---:|".repeat(columns.len()));
    for key in keys {
        let cells: Vec<String> = measured
            .iter()
            .map(|m| m.get(key).copied().unwrap_or(0).to_string())
            .collect();
        println!("| {key} | {} |", cells.join(" | "));
    }
    let totals: Vec<String> = measured
        .iter()
        .map(|m| format!("**{}**", m.values().sum::<u64>()))
        .collect();
    println!("| **total** | {} |\n", totals.join(" | "));
}

/// Seconds from a job's `started_at` to its `finished_at`.
pub fn job_seconds(job: &Value) -> f64 {
    let at = |field: &str| {
        job[field]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    match (at("started_at"), at("finished_at")) {
        (Some(a), Some(b)) => (b - a).num_milliseconds() as f64 / 1000.0,
        _ => f64::NAN,
    }
}
