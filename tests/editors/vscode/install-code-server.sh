#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the last release that runs on Node 20) and
# playwright-core into DIR (the first argument), the way ../shared/EDITOR-NOTES.md describes:
# code-server's own install scripts download ripgrep from GitHub and want --unsafe-perm as root,
# so the scripts are skipped and the native modules are rebuilt from source against Node's headers.
# Needs node/npm 20, Debian's ripgrep, g++ make pkg-config libkrb5-dev libxkbfile-dev
# libsecret-1-dev libx11-dev. Idempotent: a finished install leaves DIR/.done and is kept.
set -euo pipefail
dir="$(realpath -m "$1")" # absolute: the script changes directory below
version=4.100.3
stamp="$dir/.done-$version"
if [ -f "$stamp" ]; then
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
printf '{"name":"flyway-lsp-vscode-e2e","private":true}\n' > package.json
export npm_config_nodedir=/usr npm_config_yes=true npm_config_fund=false npm_config_audit=false \
  npm_config_loglevel=error npm_config_update_notifier=false
echo "installing code-server $version and playwright-core into $dir"
npm install --ignore-scripts "code-server@$version" playwright-core@1.65.1
npm rebuild argon2 --build-from-source
cs="$dir/node_modules/code-server"
(
  cd "$cs/lib/vscode"
  npm install --omit=dev --ignore-scripts
  rg_bin="$(command -v rg)"
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$rg_bin" node_modules/@vscode/ripgrep/bin/rg
  npm rebuild node-pty @vscode/spdlog kerberos native-watchdog @parcel/watcher @vscode/deviceid
  ln -sfn node_modules node_modules.asar
  ln -sfn code-linux.sh bin/remote-cli/code-server
  ln -sfn browser-linux.sh bin/helpers/browser.sh
  cd extensions
  npm install --omit=dev
)
touch "$stamp"
