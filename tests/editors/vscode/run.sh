#!/usr/bin/env bash
# The VS Code end-to-end test: a real VS Code workbench (code-server 4.100.3, VS Code 1.100.3)
# driven by Playwright in Debian's Chromium, with the packaged extension and the debug server, on
# a copy of fixtures/postgres-snake/broken: the Problems panel against `flyway-lsp check`, the
# status bar, a quick fix, New Migration, the warning on renaming an applied migration (see
# test.mjs). It writes the README's screenshot to the output folder; UPDATE_SCREENSHOT=1 copies
# it to docs/images/vscode.png.
# Needs: node/npm 20, chromium, ripgrep and the build tools of install-code-server.sh. Without
# them it fails when CI=true and says SKIPPED otherwise. code-server is cached under
# ${CARGO_TARGET_DIR:-target}/vscode-e2e; screenshots of a failure go to
# ${CARGO_TARGET_DIR:-target}/vscode-e2e-out.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
bin="${FLYWAY_LSP_BIN:-$target/debug/flyway-lsp}"
chromium="${CHROMIUM:-$(command -v chromium || true)}"

missing=()
for tool in node npm rg g++ make pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -n "$chromium" ] || missing+=(chromium)
for pc in krb5-gssapi xkbfile libsecret-1 x11; do
  pkg-config --exists "$pc" 2>/dev/null || missing+=("pkg-config:$pc")
done
if [ "${#missing[@]}" -gt 0 ]; then
  msg="missing ${missing[*]} (Debian: apt-get install nodejs npm chromium ripgrep g++ make pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev)"
  if [ "${CI:-}" = "true" ]; then
    echo "VS Code test: $msg and CI=true: the test must run" >&2
    exit 1
  fi
  echo "SKIPPED: VS Code test: $msg" >&2
  exit 0
fi
if [ ! -x "$bin" ]; then
  echo "VS Code test: no server at $bin (cargo build -p flyway-lsp)" >&2
  exit 1
fi

bash "$here/install-code-server.sh" "$target/vscode-e2e"

# The .vsix as users install it (npm run package), from the current sources.
(
  cd "$repo/vscode-extension"
  [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
  npm run --silent package >/dev/null
)

out="$target/vscode-e2e-out"
mkdir -p "$out"
E2E_TOOLS="$target/vscode-e2e" E2E_OUT="$out" E2E_CHROMIUM="$chromium" E2E_SERVER="$bin" \
  E2E_VSIX="$repo/vscode-extension/flyway-lsp.vsix" E2E_FIXTURE="$repo/fixtures/postgres-snake/broken" \
  timeout 600 node "$here/test.mjs"
if [ "${UPDATE_SCREENSHOT:-}" = 1 ]; then
  mkdir -p "$repo/docs/images"
  cp "$out/vscode.png" "$repo/docs/images/vscode.png"
  echo "updated docs/images/vscode.png"
fi
