#![no_main]
//! Arbitrary bytes through the CSV reader.

use libfuzzer_sys::fuzz_target;
use skillsync::feed::FeedFormat;

fuzz_target!(|data: &[u8]| {
    skillsync_fuzz::check(FeedFormat::Csv, data);
});
