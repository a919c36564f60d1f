//! What the fuzz targets check. The main crate's property tests (`tests/fuzz/main.rs`) include
//! this file by path and run the same checks over the committed corpora and generated inputs,
//! so a check written once holds wherever the fuzz toolchain cannot run.

mod config_loader;
mod feed_reader;
mod ingest_request;

pub use config_loader::{check_config, ConfigInput, ConfigVerdict};
pub use feed_reader::{check, Verdict};
pub use ingest_request::{check_ingest, IngestInput, IngestVerdict};
