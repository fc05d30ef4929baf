#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the licence-server tests and benchmark.
#
#   .ci/postgres.sh [ENV_FILE]        # then: . ENV_FILE   (default .ci/postgres.env)
#   . .ci/postgres.sh                 # or source it: exports the variable directly
#   .ci/postgres.sh --stop [ENV_FILE] # stop the cluster and remove its directory
#
# Installs PostgreSQL from the Debian packages when initdb is missing (needs root),
# initialises a cluster in a temporary directory owned by the `postgres` user (the
# server refuses to run as root), starts it on a free 127.0.0.1 port with trust auth,
# creates the database `pyvorin_test`, and writes
#   export PYVORIN_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/pyvorin_test
#   export PYVORIN_TEST_POSTGRES_DIR=/tmp/pyvorin-pg.XXXXXX
# to ENV_FILE. Loopback only; nothing listens on other addresses.
set -euo pipefail

_pg_env_file=".ci/postgres.env"
_pg_stop=0
for _arg in "$@"; do
  case "$_arg" in
    --stop) _pg_stop=1 ;;
    *) _pg_env_file="$_arg" ;;
  esac
done

_pg_run() {  # run a command as the postgres user when we are root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_bindir() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ "$_pg_stop" -eq 1 ]; then
  # shellcheck disable=SC1090
  . "$_pg_env_file"
  _pg_run "$(_pg_bindir)/pg_ctl" -D "$PYVORIN_TEST_POSTGRES_DIR/data" -m fast -w stop
  rm -rf "$PYVORIN_TEST_POSTGRES_DIR"
  rm -f "$_pg_env_file"
  return 0 2>/dev/null || exit 0
fi

if [ -z "$(_pg_bindir)" ]; then
  echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
_bin="$(_pg_bindir)"
[ -x "$_bin/initdb" ] || { echo "postgres.sh: initdb not found after install" >&2; exit 1; }

_dir="$(mktemp -d /tmp/pyvorin-pg.XXXXXX)"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$_dir"; fi
_pg_run "$_bin/initdb" -D "$_dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null

_port=""
for _try in 1 2 3 4 5; do
  _candidate="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  if _pg_run "$_bin/pg_ctl" -D "$_dir/data" -l "$_dir/log" -w -t 60 \
      -o "-p $_candidate -h 127.0.0.1 -k $_dir -c fsync=off -c max_connections=200" start >/dev/null; then
    _port="$_candidate"
    break
  fi
done
[ -n "$_port" ] || { echo "postgres.sh: PostgreSQL did not start; log:" >&2; cat "$_dir/log" >&2; exit 1; }

_pg_run "$_bin/createdb" -h 127.0.0.1 -p "$_port" -U postgres pyvorin_test

PYVORIN_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$_port/pyvorin_test"
PYVORIN_TEST_POSTGRES_DIR="$_dir"
export PYVORIN_TEST_POSTGRES_URL PYVORIN_TEST_POSTGRES_DIR
mkdir -p "$(dirname "$_pg_env_file")"
{
  echo "export PYVORIN_TEST_POSTGRES_URL=$PYVORIN_TEST_POSTGRES_URL"
  echo "export PYVORIN_TEST_POSTGRES_DIR=$PYVORIN_TEST_POSTGRES_DIR"
} >"$_pg_env_file"
echo "postgres.sh: PostgreSQL on 127.0.0.1:$_port; wrote $_pg_env_file" >&2
echo "$PYVORIN_TEST_POSTGRES_URL"
