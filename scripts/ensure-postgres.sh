#!/usr/bin/env bash
# Source this file: it makes sure a PostgreSQL server answers at $DATABASE_URL and exports it.
#
# 1. If something already answers at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
#    use it.
# 2. Otherwise find PostgreSQL's server binaries; when there are none and we are root on a Debian-like
#    system, install them with apt-get.
# 3. Start a throwaway cluster under target/pg (trust auth, 127.0.0.1, the URL's port, or a free one
#    when a server we cannot use holds it), stopped again when the sourcing shell exits. As root, when
#    the postgres user cannot reach target/ (a checkout under /root), the cluster goes to /tmp.

: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/postgres}"
export DATABASE_URL

_pg_log() { printf 'ensure-postgres: %s\n' "$*" >&2; }

_pg_port() { # the port in DATABASE_URL, 5432 when none is given
  local rest=${DATABASE_URL#*://}; rest=${rest#*@}; rest=${rest%%/*}
  case "$rest" in *:*) printf '%s' "${rest##*:}" ;; *) printf '5432' ;; esac
}

_pg_answers() {
  if command -v psql >/dev/null 2>&1; then
    # -w: a server that wants a password is one we cannot use, not a prompt to wait at.
    PGCONNECT_TIMEOUT=5 psql -w "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1
  else
    # Without a client, an open port is the best evidence available.
    _pg_port_taken "$(_pg_port)"
  fi
}

_pg_port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

_pg_free_port() { # the URL's port, or the first free one from 55432 when that is taken
  local want p
  want=$(_pg_port)
  _pg_port_taken "$want" || { printf '%s' "$want"; return 0; }
  for p in $(seq 55432 55632); do
    _pg_port_taken "$p" || { _pg_log "port $want is taken by a server we cannot use; using $p"; printf '%s' "$p"; return 0; }
  done
  _pg_log "no free port for a throwaway cluster"; return 1
}

_pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/pgsql/bin; do
    [ -x "$d/initdb" ] && { printf '%s' "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

_pg_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    _pg_log "no PostgreSQL found; installing it with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    _pg_log "no PostgreSQL server binaries found and cannot install them (need root and apt-get)."
    _pg_log "install PostgreSQL, or point DATABASE_URL at a running server."
    return 1
  fi
}

_pg_start_throwaway() {
  local bindir root data sock port runas=()
  bindir=$(_pg_bindir) || { _pg_install && bindir=$(_pg_bindir); } || return 1
  root="$(pwd)/target/pg"
  port=$(_pg_free_port) || return 1
  if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runas=(runuser -u postgres --)
    mkdir -p "$root"
    "${runas[@]}" test -x "$root" 2>/dev/null || root=$(mktemp -d /tmp/skillsync-pg.XXXXXX)
  fi
  data="$root/data"; sock="$root/sock"
  mkdir -p "$root" "$sock"
  if [ ${#runas[@]} -gt 0 ]; then chown -R postgres "$root"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    _pg_log "initialising a throwaway cluster in $data"
    "${runas[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null || return 1
  fi
  _pg_log "starting PostgreSQL on 127.0.0.1:$port"
  "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 \
    -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null || {
    _pg_log "PostgreSQL did not start; its log:"; tail -n 20 "$root/server.log" >&2; return 1; }
  export SKILLSYNC_PG_STOP="${runas[*]} $bindir/pg_ctl -D $data -m fast stop"
  trap 'eval "$SKILLSYNC_PG_STOP" >/dev/null 2>&1 || true' EXIT
  DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export DATABASE_URL
}

if _pg_answers; then
  _pg_log "using the PostgreSQL at $DATABASE_URL"
else
  _pg_log "nothing answers at $DATABASE_URL"
  _pg_start_throwaway || return 1 2>/dev/null || exit 1
  _pg_answers || { _pg_log "started PostgreSQL but it does not answer at $DATABASE_URL"; return 1 2>/dev/null || exit 1; }
fi
