#!/usr/bin/env bash
# Source this file (or run it, to install and print the variables): it makes sure the browser tests
# (tests/api/browser) find headless Chromium, its ChromeDriver and axe-core, and exports
#   SKILLSYNC_CHROMIUM      the Chromium binary    (found on PATH, else installed with apt-get)
#   SKILLSYNC_CHROMEDRIVER  the matching driver    (Debian packages chromium + chromium-driver)
#   SKILLSYNC_AXE_JS        axe.min.js, axe-core $AXE_CORE_VERSION installed with npm under
#                           target/browser-tools (kept between runs)
# Variables already set are kept. With SKILLSYNC_SKIP_BROWSER=1 nothing is installed and the
# browser tests are skipped; without it, a tool that cannot be found makes them fail.

AXE_CORE_VERSION=4.14.1

_br_log() { printf 'ensure-browser: %s\n' "$*" >&2; }

_br_find() { # the first of the given commands on PATH
  local c
  for c in "$@"; do
    command -v "$c" 2>/dev/null && return 0
  done
  return 1
}

_br_apt() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { _br_log "not root and no sudo: cannot run apt-get"; return 1; }
    sudo=(sudo -n)
  fi
  command -v apt-get >/dev/null 2>&1 || { _br_log "no apt-get on this system"; return 1; }
  # Update the package lists only when they do not know the packages, or the install fails
  # with stale lists.
  if ! apt-cache show chromium chromium-driver >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >&2 || return 1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >&2 || {
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver >&2
  }
}

_br_chromium() {
  [ -x "${SKILLSYNC_CHROMIUM:-}" ] && [ -x "${SKILLSYNC_CHROMEDRIVER:-}" ] && return 0
  local chromium driver
  chromium=$(_br_find chromium chromium-browser google-chrome) &&
    driver=$(_br_find chromedriver) || {
    _br_log "Chromium or ChromeDriver not found; installing the Debian packages chromium and chromium-driver"
    _br_apt || { _br_log "could not install them: install Chromium and ChromeDriver of the same version"; return 1; }
    chromium=$(_br_find chromium chromium-browser) && driver=$(_br_find chromedriver) || return 1
  }
  export SKILLSYNC_CHROMIUM="$chromium"
  export SKILLSYNC_CHROMEDRIVER="$driver"
}

_br_axe() {
  [ -f "${SKILLSYNC_AXE_JS:-}" ] && return 0
  local root axe
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/browser-tools"
  axe="$root/node_modules/axe-core/axe.min.js"
  if [ ! -f "$axe" ] || ! grep -q "\"version\": \"$AXE_CORE_VERSION\"" "$root/node_modules/axe-core/package.json" 2>/dev/null; then
    command -v npm >/dev/null 2>&1 || { _br_log "npm not found: install Node.js to fetch axe-core"; return 1; }
    _br_log "installing axe-core $AXE_CORE_VERSION into target/browser-tools"
    mkdir -p "$root"
    [ -f "$root/package.json" ] || printf '{"private": true}\n' >"$root/package.json"
    npm install --prefix "$root" --no-audit --no-fund --silent --save-exact "axe-core@$AXE_CORE_VERSION" >&2 || return 1
  fi
  export SKILLSYNC_AXE_JS="$axe"
}

if [ "${SKILLSYNC_SKIP_BROWSER:-}" = 1 ]; then
  _br_log "SKILLSYNC_SKIP_BROWSER=1: the browser tests are skipped"
else
  _br_chromium && _br_axe || {
    _br_log "the browser tests will fail; set SKILLSYNC_SKIP_BROWSER=1 to skip them instead"
    return 1 2>/dev/null || exit 1
  }
  _br_log "chromium $SKILLSYNC_CHROMIUM, chromedriver $SKILLSYNC_CHROMEDRIVER, axe-core $SKILLSYNC_AXE_JS"
fi
# Run rather than sourced: print the variables for the caller to export.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  for v in SKILLSYNC_CHROMIUM SKILLSYNC_CHROMEDRIVER SKILLSYNC_AXE_JS; do
    [ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  exit 0
fi
