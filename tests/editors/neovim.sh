#!/usr/bin/env bash
# Runs the headless Neovim test against the built server. Needs `nvim` (Debian: neovim).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${FLYWAY_LSP_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/flyway-lsp}"
if ! command -v nvim >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "nvim is missing and CI=true: the Neovim test must run (apt-get install neovim)" >&2
    exit 1
  fi
  echo "SKIPPED: nvim not found (apt-get install neovim)" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/db/migration"
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' > "$work/db/migration/V1__users.sql"
printf 'CREATE INDEX users_email ON users (email);\n' > "$work/db/migration/V2__email_index.sql"
printf '[flyway]\nlocations = ["filesystem:db/migration"]\n' > "$work/flyway.toml"
cd "$work"
FLYWAY_LSP_REPO="$repo" FLYWAY_LSP_BIN="$bin" HOME="$work" \
  timeout 60 nvim --headless --clean db/migration/V2__email_index.sql -c "luafile $repo/tests/editors/neovim_test.lua" 2>&1
