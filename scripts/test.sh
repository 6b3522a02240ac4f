#!/usr/bin/env bash
# The test command (README and CI run exactly this): installs the project with its
# test extra into .venv, starts a throwaway PostgreSQL on loopback when one is
# installed, then runs lint, types and the whole test suite on SQLite and PostgreSQL.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k blog`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

if [ -z "${AGGREGATOR_TEST_PG_URL:-}" ]; then
  eval "$(bash scripts/pg-test-server.sh start)"
  if [ -n "${AGGREGATOR_TEST_PG_STARTED:-}" ]; then  # leave a server someone else started
    trap 'bash scripts/pg-test-server.sh stop' EXIT
  fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
