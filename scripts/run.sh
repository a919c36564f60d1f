#!/usr/bin/env bash
# Runs skillsync's main job with its embedded defaults, from a fresh clone.
# Until the daemon (`skillsync serve`) exists, that is the Genesys Cloud simulator on
# 127.0.0.1:9400 (Ctrl-C stops it). Extra arguments go to `skillsync sim`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
cargo build --release --locked
exec target/release/skillsync sim "$@"
