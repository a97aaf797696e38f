#!/usr/bin/env bash
# Install NocoDB 0.262.5 (the peer of the side-by-side benchmark) into a cache directory outside
# the repository; idempotent. Prints the directory on its last line.
#
#   bash bench/nocodb/install.sh            # default ${XDG_CACHE_HOME:-$HOME/.cache}/crmcore-bench/nocodb
#   NOCODB_DIR=/some/dir bash bench/nocodb/install.sh
#
# 0.262.5 is the newest release that supports Node 20 and has its matching nc-lib-gui in the npm
# registry. Its own xlsx dependency points at a tarball outside the registry (overridden to
# 0.18.5 in package.json), and its preinstall script insists on pnpm (hence --ignore-scripts,
# then an explicit rebuild of the two native modules).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VERSION="0.262.5"
DIR="${NOCODB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crmcore-bench/nocodb}"
STAMP="$DIR/.installed"

case "$DIR/" in
  "$(cd "$HERE/../.." && pwd)"/*) echo "refusing to install inside the repository: $DIR" >&2; exit 1 ;;
esac
command -v node >/dev/null || { echo "node is required (Node 20)" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }

mkdir -p "$DIR"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$VERSION" ] \
   && cmp -s "$HERE/package.json" "$DIR/package.json" \
   && [ -f "$DIR/node_modules/nocodb/package.json" ]; then
  echo "NocoDB $VERSION already installed" >&2
  echo "$DIR"
  exit 0
fi

started=$(date +%s)
rm -f "$STAMP"
cp "$HERE/package.json" "$DIR/package.json"
(cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
(cd "$DIR" && npm rebuild sqlite3 sharp --loglevel=error >&2)

installed=$(node -p "require('$DIR/node_modules/nocodb/package.json').version")
[ "$installed" = "$VERSION" ] || { echo "installed nocodb $installed, expected $VERSION" >&2; exit 1; }
# Rate limiting: in the open-source build of 0.262.x the API limiter guards are no-ops
# (canActivate returns true) and no throttler module is registered, so there is no limit to
# raise; check it, since a limiter would turn load into 429s.
bundle="$DIR/node_modules/nocodb/dist/bundle.js"
for guard in DataApiLimiterGuard MetaApiLimiterGuard PublicApiLimiterGuard; do
  grep -q "class $guard{async canActivate(e){return!0}}" "$bundle" \
    || echo "warning: $guard is not a no-op in this build; NocoDB may rate-limit the benchmark" >&2
done
echo "$VERSION" > "$STAMP"
echo "NocoDB $VERSION installed in $(( $(date +%s) - started )) s" >&2
echo "$DIR"
