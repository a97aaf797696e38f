#!/usr/bin/env bash
# Quick start, command 2: set up .venv with the dev tools and run every check and the whole test
# suite, on SQLite and on PostgreSQL (CRMCORE_TEST_PG_URL, default the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv dev

export CRMCORE_TEST_PG_URL="${CRMCORE_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
step() { printf '\n== %s\n' "$*"; }

step "PostgreSQL reachable"
.venv/bin/python - <<'PY'
import os, sys
import psycopg
try:
    psycopg.connect(os.environ["CRMCORE_TEST_PG_URL"], connect_timeout=5).close()
except Exception as error:
    sys.exit(f"PostgreSQL is not reachable at {os.environ['CRMCORE_TEST_PG_URL']}: {error}")
print("ok")
PY

step "ruff format --check"
.venv/bin/ruff format --check src tests bench reliability
step "ruff check"
.venv/bin/ruff check src tests bench reliability
step "mypy"
.venv/bin/mypy
step "lint-imports"
.venv/bin/lint-imports

step "migrations on SQLite and PostgreSQL (upgrade head + check for drift)"
.venv/bin/python -m tests.migrations_check

step "pytest (SQLite and PostgreSQL)"
set +e
.venv/bin/pytest -n "${CRMCORE_TEST_WORKERS:-2}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$status"
