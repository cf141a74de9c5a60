#!/usr/bin/env bash
# CI integrations (issue #16): the GitHub Action's script (job summary, the pull-request comment
# against a local server implementing GitHub's REST endpoints, the release install and its
# SHA-256 checks), the JUnit report as XML, and the pre-commit hook through `pre-commit try-repo`.
# Runs FLYWAY_LSP_BIN or the debug binary (built here); test tools in a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
VENV="$TARGET/integrations-venv"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/integrations/requirements.txt
# The binary given in FLYWAY_LSP_BIN (tests/run-all.sh gives the one `cargo test` built), else
# the debug build, built here.
if [ -z "${FLYWAY_LSP_BIN:-}" ]; then
  cargo build --locked -q -p flyway-lsp
  export FLYWAY_LSP_BIN="$TARGET/debug/flyway-lsp"
fi
PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pytest tests/integrations -q -p no:cacheprovider
