#![no_main]
//! Arbitrary query string, headers and body through `POST /v1/feeds`'s request path.

use libfuzzer_sys::fuzz_target;
use skillsync_fuzz::{check_ingest, IngestInput};

fuzz_target!(|data: &[u8]| {
    check_ingest(&IngestInput::parse(data));
});
