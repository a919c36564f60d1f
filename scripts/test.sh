#!/usr/bin/env bash
# The whole test suite, from a fresh clone: PostgreSQL (found, or installed and started under
# target/pg), headless Chromium for the browser tests (scripts/ensure-browser.sh), formatting,
# lints, unit and integration tests (the fuzz targets' checks among them, over their committed
# corpora), supply-chain checks. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
# shellcheck source=scripts/ensure-postgres.sh
source scripts/ensure-postgres.sh
# One test restarts a PostgreSQL of its own (tests/api/pg_cluster.rs): it needs the server
# binaries even when the database above is elsewhere.
_pg_bindir >/dev/null || _pg_install || exit 1
# Headless Chromium, ChromeDriver and axe-core for tests/api/browser (found, or installed);
# SKILLSYNC_SKIP_BROWSER=1 skips those tests instead.
# shellcheck source=scripts/ensure-browser.sh
source scripts/ensure-browser.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test"
cargo test --locked
echo "== deploy manifests"
scripts/check-deploy.sh
echo "== official Genesys SDK against the simulator"
scripts/sdk-check.sh
# Last, so that a new advisory (docs/supply-chain.md) does not hide the test results.
echo "== cargo deny (advisories, licenses, bans, sources)"
scripts/deny.sh
echo "== all tests passed"
