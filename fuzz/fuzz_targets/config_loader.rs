#![no_main]
//! Arbitrary TOML and `SKILLSYNC__…` variables through the config loader.

use libfuzzer_sys::fuzz_target;
use skillsync_fuzz::{check_config, ConfigInput};

fuzz_target!(|data: &[u8]| {
    check_config(&ConfigInput::parse(data));
});
