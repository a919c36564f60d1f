//! The fuzz targets' checks (`fuzz/src`, included by path) in `cargo test`, where the fuzz
//! toolchain does not run: every committed corpus file, then proptest-generated requests, feeds
//! and configurations. A failure here is a failure of the same check a fuzz run makes.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

mod config_props;
mod corpus;
mod feed_gen;
mod ingest_props;
