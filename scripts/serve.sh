#!/usr/bin/env bash
# Quick start, command 1: set up .venv, migrate the embedded SQLite database, create a first
# account when there is none (printing its API key and secret), and serve on 127.0.0.1:8000.
# Extra arguments go to `crmcore serve` (e.g. --port 9000 --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv
exec .venv/bin/crmcore serve "$@"
