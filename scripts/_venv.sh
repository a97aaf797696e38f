# Sourced by the other scripts: create .venv and (re)install crmcore when its dependencies change.
# Usage: ensure_venv [extras]   e.g. ensure_venv dev
ensure_venv() {
  local extras="${1:-}"
  local python="${PYTHON:-}"
  if [ -z "$python" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
      if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
    done
  fi
  if [ -z "$python" ]; then echo "crmcore needs Python 3.11 or newer" >&2; exit 1; fi
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  local spec="."
  [ -n "$extras" ] && spec=".[${extras}]"
  local stamp=".venv/.crmcore-installed-${extras:-base}"
  local digest
  digest=$(cat pyproject.toml | .venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "Installing crmcore into .venv ..." >&2
    # (grep drops the noise some machines' pip configurations print for absent local indexes)
    .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
    .venv/bin/python -m pip install --quiet -e "$spec" 2>&1 | grep -v '^WARNING: Location' >&2 || true
    .venv/bin/python -c 'import crmcore' || { echo "crmcore failed to install" >&2; exit 1; }
    echo "$digest" > "$stamp"
  fi
}
