#!/usr/bin/env bash
# Supply-chain checks: cargo-deny's advisories, licenses, bans and sources against deny.toml.
# Installs a pinned cargo-deny under target/tools (kept between runs) and reads the RustSec
# database from the offline snapshot when there is one ($SKILLSYNC_ADVISORY_DB, else
# ../shared/rustsec-advisory-db.tar.gz beside the clone), else fetches it. docs/supply-chain.md
# says what to do when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2
# The directory cargo-deny derives from the default advisory URL; deny.toml's db-path holds it.
DB_ROOT=target/advisory-dbs
DB_DIR=$DB_ROOT/advisory-db-3157b0e258782691

tools=$PWD/target/tools
if ! "$tools/bin/cargo-deny" --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION"; then
    echo "installing cargo-deny $CARGO_DENY_VERSION into target/tools (once; kept under target/)"
    # --debug: compiles in about half the time of a release build, and checking one lock file
    # takes seconds either way.
    cargo install --quiet --locked --debug --root "$tools" "cargo-deny@$CARGO_DENY_VERSION"
fi
deny() { "$tools/bin/cargo-deny" "$@"; }

# The snapshot sits in shared/ beside the checkout; a clone made elsewhere from that checkout
# (as CI makes one) finds it beside its origin.
snapshot=${SKILLSYNC_ADVISORY_DB:-}
if [[ -z $snapshot ]]; then
    origin=$(git remote get-url origin 2>/dev/null || true)
    for candidate in ../shared "${origin:+$origin/../shared}"; do
        if [[ -n $candidate && -f $candidate/rustsec-advisory-db.tar.gz ]]; then
            snapshot=$candidate/rustsec-advisory-db.tar.gz
            break
        fi
    done
fi
offline=()
if [[ -n $snapshot && -f $snapshot ]]; then
    # Unpacked afresh whenever the snapshot changes; cargo-deny dates the database by its HEAD
    # commit, so the copy is made a repository with one commit.
    stamp=$(sha256sum "$snapshot" | cut -d' ' -f1)
    if [[ ! -f $DB_DIR/.snapshot || $(cat "$DB_DIR/.snapshot") != "$stamp" ]]; then
        rm -rf "$DB_DIR"
        mkdir -p "$DB_DIR"
        tar -xzf "$snapshot" -C "$DB_DIR"
        git -C "$DB_DIR" init --quiet
        git -C "$DB_DIR" add --all
        git -C "$DB_DIR" -c user.name=skillsync -c user.email=ci@skillsync.invalid \
            commit --quiet -m "snapshot $(basename "$snapshot")"
        echo "$stamp" >"$DB_DIR/.snapshot"
    fi
    # cargo metadata must not need the network either.
    cargo fetch --locked --quiet
    offline=(--offline)
    echo "advisories from $snapshot"
else
    echo "no advisory snapshot (SKILLSYNC_ADVISORY_DB, or shared/ beside the checkout or its origin): cargo-deny fetches the database"
fi

deny --log-level error "${offline[@]}" --locked check --show-stats advisories licenses bans sources
