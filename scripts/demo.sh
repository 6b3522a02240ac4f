#!/usr/bin/env bash
# The demo on a fresh machine: installs the project into .venv, then starts the
# offline platform sandbox and syncs every account into data/demo/demo.db (SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/aggregator demo "$@"
