#!/usr/bin/env bash
# Install the PostgreSQL server binaries the licence-server tests need (Debian packages).
#
#   bash .ci/postgres.sh      # no-op when initdb is already installed
#
# It only installs: the tests themselves start a throwaway cluster from these binaries
# (a pytest fixture: tests/server/conftest.py -> tests/licensing/support.start_postgres),
# on 127.0.0.1, in a temporary directory, and stop and delete it when the run ends.
# Run it; do not source it (it would leave `set -e` in your shell).
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  echo "postgres.sh: run it (bash .ci/postgres.sh), do not source it" >&2
  return 2
fi
set -euo pipefail

have_initdb() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

if have_initdb; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "postgres.sh: PostgreSQL is not installed; install the Debian package 'postgresql'" \
    "(sudo apt-get install postgresql) or set PYVORIN_TEST_POSTGRES_URL" >&2
  exit 1
fi
echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
have_initdb || { echo "postgres.sh: initdb not found after install" >&2; exit 1; }
