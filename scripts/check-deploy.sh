#!/usr/bin/env bash
# Validates what deploy/ ships (scripts/check_deploy.py says how): the Dockerfile (hadolint),
# the Kubernetes manifests (Kubernetes' strict JSON schemas, kustomize, their wiring), the compose
# file (the Compose Specification's schema), the Grafana dashboard (against the exported metrics)
# and every example configuration (loaded by the skillsync binary).
#
# Installs the pinned tools of scripts/deploy-tools.txt from PyPI into target/tools/venv on first
# use, and again when that file changes. Loads configurations with target/debug/skillsync, built
# here if needed (after `cargo test` it already is), or with $SKILLSYNC_BIN. Exits non-zero when
# a check fails or the tools cannot be installed: a check that cannot run has not passed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/tools/venv
tools=scripts/deploy-tools.txt

# Python 3 with venv; installed with apt-get when missing and we are root on a Debian-like system.
if ! { command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check-deploy: installing python3-venv with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >&2 ||
      { echo "check-deploy: cannot install python3-venv" >&2; exit 1; }
  else
    echo "check-deploy: needs python3 with the venv module (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
fi
if ! cmp -s "$tools" "$venv/deploy-tools.txt" 2>/dev/null; then
  echo "check-deploy: installing $tools into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || { echo "check-deploy: python3 cannot make a venv" >&2; exit 1; }
  "$venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$tools" </dev/null ||
    { echo "check-deploy: cannot install $tools from PyPI" >&2; exit 1; }
  # Written last, so that an interrupted install is redone next time.
  cp "$tools" "$venv/deploy-tools.txt"
fi

bin=${SKILLSYNC_BIN:-}
if [ -z "$bin" ]; then
  cargo build --locked -q --bin skillsync
  bin=target/debug/skillsync
fi
# No __pycache__ beside the sources: the repository does not ignore it.
PYTHONDONTWRITEBYTECODE=1 exec "$venv/bin/python" scripts/check_deploy.py --bin "$bin"
