#!/usr/bin/env bash
# Runs every test: the Rust unit and end-to-end tests, then the language server under a
# third-party LSP client (pytest-lsp). Installs the Python test dependencies when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test"
cargo test --workspace --locked

echo "== language server under pytest-lsp"
if ! python3 -c "import pytest_lsp" 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check -r tests/lsp/requirements.txt
fi
cargo build --locked -q -p flyway-lsp
FLYWAY_LSP_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/flyway-lsp" python3 -m pytest tests/lsp -q -p no:cacheprovider
