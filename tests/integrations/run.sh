#!/usr/bin/env bash
# CI integrations (issue #16): the GitHub Action's script (job summary, the pull-request comment
# against a local server implementing GitHub's REST endpoints, the release install and its
# SHA-256 checks), the JUnit report as XML, and the pre-commit hook through `pre-commit try-repo`.
# Runs the debug binary (built here when missing); test tools in a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
VENV="$TARGET/integrations-venv"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/integrations/requirements.txt
cargo build --locked -q -p flyway-lsp
export FLYWAY_LSP_BIN="$TARGET/debug/flyway-lsp"
PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pytest tests/integrations -q -p no:cacheprovider
