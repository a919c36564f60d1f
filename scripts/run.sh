#!/usr/bin/env bash
# Runs skillsync's main job with its embedded defaults, from a fresh clone: PostgreSQL (found,
# or installed and started under target/pg), the Genesys Cloud simulator on 127.0.0.1:9400 (as
# the platform, unless one already answers there), and `skillsync serve` with its API on
# 127.0.0.1:8080 and metrics on 127.0.0.1:9090. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
# shellcheck source=scripts/ensure-postgres.sh
source scripts/ensure-postgres.sh
cargo build --release --locked
bin=target/release/skillsync

# The daemon's own database on the same server; skillsync creates it when missing.
export SKILLSYNC__DATABASE__URL="${SKILLSYNC__DATABASE__URL:-${DATABASE_URL%/*}/skillsync}"
# A token for POST /v1/feeds on this machine (override for anything shared).
export SKILLSYNC__SERVER__INGEST_TOKENS__LOCAL="${SKILLSYNC__SERVER__INGEST_TOKENS__LOCAL:-local-dev-token}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'cleanup; eval "${SKILLSYNC_PG_STOP:-true}" >/dev/null 2>&1 || true' EXIT
if ! (exec 3<>/dev/tcp/127.0.0.1/9400) 2>/dev/null; then
  "$bin" sim --listen 127.0.0.1:9400 --agents 500 --skills 120 &
  pids+=($!)
fi
cat <<MSG >&2
skillsync serve: API http://127.0.0.1:8080 (OpenAPI: /openapi.json), metrics http://127.0.0.1:9090/metrics
Try:
  curl -s -X POST 'http://127.0.0.1:8080/v1/feeds?scope=partial&source=hr' \\
       -H 'Authorization: Bearer $SKILLSYNC__SERVER__INGEST_TOKENS__LOCAL' -H 'Content-Type: text/csv' \\
       --data-binary \$'agent,type,name,proficiency\\nagent00001@example.com,skill,Billing_L1,3\\n'
  curl -s http://127.0.0.1:8080/v1/drift
MSG
"$bin" serve &
pids+=($!)
wait "${pids[-1]}"
