#!/usr/bin/env bash
# Runs Genesys's official Python SDK, unchanged, against a freshly started `skillsync sim`.
# Needs python3 and PyPI; installs the pinned SDK into target/sdk-venv once. Exits 0 with a
# notice (and does nothing) when python3 or PyPI is unavailable, non-zero when the SDK fails.
set -euo pipefail
cd "$(dirname "$0")/.."
SDK_VERSION=269.0.0
venv=target/sdk-venv

command -v python3 >/dev/null 2>&1 || { echo "sdk-check: SKIPPED (no python3)"; exit 0; }
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PureCloudPlatformClientV2" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || { echo "sdk-check: SKIPPED (python3 cannot make a venv)"; exit 0; }
  "$venv/bin/pip" install -q --disable-pip-version-check "PureCloudPlatformClientV2==$SDK_VERSION" >/dev/null 2>&1 ||
    { echo "sdk-check: SKIPPED (cannot install PureCloudPlatformClientV2 from PyPI)"; exit 0; }
fi

cargo build --locked -q
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SKILLSYNC__LOG__LEVEL=warn target/debug/skillsync sim --listen "127.0.0.1:$port" --agents 50 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/sim/stats')" 2>/dev/null && break
  sleep 0.1
done
"$venv/bin/python" scripts/sdk_check.py "http://127.0.0.1:$port"
