#!/usr/bin/env bash
# Runs every test: the Rust unit and end-to-end tests, then the language server under a
# third-party LSP client (pytest-lsp), Neovim, the VS Code extension's checks and the extension
# inside a real VS Code workbench (tests/editors/vscode). Installs the
# Python test dependencies into a virtual environment under the target folder when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step says when it starts (seconds since this script began).
step() { echo "== [+${SECONDS}s] $*"; }

step "cargo test"
cargo test --workspace --locked

step "language server under pytest-lsp"
# A virtual environment of the tests' own (PEP 668 systems refuse installs into the system Python).
venv="${CARGO_TARGET_DIR:-$PWD/target}/test-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pytest_lsp" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/lsp/requirements.txt
fi
# The binary `cargo test` built above (for the e2e tests) is the one the editors' tests run: a
# separate `cargo build` resolves the dev-dependencies' features apart and builds every
# dependency they touch again (~2.5 minutes on 2 cores from a clean checkout).
export FLYWAY_LSP_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/flyway-lsp"
[ -x "$FLYWAY_LSP_BIN" ] || cargo build --locked -q -p flyway-lsp
FLYWAY_LSP_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/flyway-lsp" "$venv/bin/python" -m pytest tests/lsp -q -p no:cacheprovider

step "Neovim (headless: the Debian package's 0.7, and 0.11 from PyPI) against the server"
FLYWAY_LSP_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/flyway-lsp" bash tests/editors/neovim.sh

step "VS Code extension (type check, unit tests, package, package contents)"
if command -v npm >/dev/null 2>&1; then
  (cd vscode-extension && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check)
elif [ "${CI:-}" = "true" ]; then
  echo "npm is missing and CI=true: the extension must be tested" >&2
  exit 1
else
  echo "SKIPPED: npm not found (install Node.js 20 to test the VS Code extension)" >&2
fi

step "VS Code (code-server 4.100.3 in headless Chromium) with the packaged extension and the server"
FLYWAY_LSP_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/flyway-lsp" bash tests/editors/vscode/run.sh

step "CI integrations: the GitHub Action's script, JUnit as XML, the pre-commit hook"
bash tests/integrations/run.sh
