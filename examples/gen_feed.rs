//! Writes a synthetic feed to standard output, for benchmarks and for trying `skillsync validate`:
//!
//! `cargo run --release --example gen_feed -- --agents 100000 --per-agent 10 > /tmp/feed.csv`

#[path = "../benches/support/feed_gen.rs"]
mod feed_gen;

use std::io::{self, BufWriter, Write};

use clap::Parser;

/// Generates a deterministic HRIS/WFM feed.
#[derive(Debug, Parser)]
struct Args {
    /// Distinct agents.
    #[arg(long, default_value_t = 100_000)]
    agents: u64,
    /// Distinct assignments per agent (at most 300).
    #[arg(long, default_value_t = 10)]
    per_agent: u32,
    /// How often each row is repeated (identical duplicates).
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// `csv` or `json`.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Name agents as `skillsync sim` names its users (`agent00001@example.com`, from 1).
    #[arg(long)]
    sim_emails: bool,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let shape = feed_gen::Shape {
        agents: args.agents,
        per_agent: args.per_agent,
        repeat: args.repeat,
    };
    let names = feed_gen::Names {
        sim_emails: args.sim_emails,
        ..feed_gen::Names::default()
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format.as_str() {
        "json" => feed_gen::write_json(&mut out, shape, &names)?,
        _ => feed_gen::write_csv(&mut out, shape, &names)?,
    };
    out.flush()
}
