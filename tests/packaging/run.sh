#!/usr/bin/env bash
# Packaging tests (issue #16): one build, reused by everything below: a release build, or with
# PACKAGING_PROFILE=dev a debug one (CI: a release build of every dependency is ~9 of CI's 30
# minutes on 2 cores, where a debug build of the binary after the tests' rebuilds only what the
# dev-dependencies change, ~4 minutes; what these tests check is the packaging around the
# binary, the same for both, and .github/workflows/release.yml builds the released packages
# with --release).
#   - PyPI: the maturin wheel (bindings = "bin") installed into a fresh virtual environment runs
#     `check` on a fixture and `serve` (initialize / shutdown / exit).
#   - npm: the launcher and the linux-x64 platform package installed into a fresh npm prefix;
#     `npx flyway-lsp check` on a fixture.
#   - The workflow files pass actionlint; `cargo publish --dry-run` passes.
# Needs Python 3 (venv), Node.js 20 with npm, and network access to PyPI, npm and crates.io.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
VENV="$TARGET/integrations-venv"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/flyway-lsp-packaging.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' server/Cargo.toml | head -n1)"
FIXTURE="$ROOT/fixtures/postgres-snake/clean"
PROFILE="${PACKAGING_PROFILE:-release}"
case "$PROFILE" in
  release) PROFILE_DIR=release ;;
  dev) PROFILE_DIR=debug ;;
  *) echo "PACKAGING_PROFILE must be release or dev, not '$PROFILE'" >&2; exit 2 ;;
esac

passed=0
failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1" >&2; failed=$((failed + 1)); }

echo "== test tools (a virtual environment: $VENV)"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/integrations/requirements.txt

echo "== actionlint (.github/workflows)"
if "$VENV/bin/actionlint" -no-color .github/workflows/*.yml; then ok "actionlint"; else fail "actionlint"; fi

echo "== $PROFILE build"
cargo build --profile "$PROFILE" --locked -q -p flyway-lsp
BIN="$TARGET/$PROFILE_DIR/flyway-lsp"

# `serve` must answer initialize and shut down cleanly: one LSP session over stdio.
lsp_session() {
  "$VENV/bin/python" - "$1" <<'EOF'
import json, subprocess, sys
def send(message):
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()
def reply(id_):
    # Frames until the response to `id_` (notifications such as log messages may come first).
    while True:
        length = None
        while True:
            line = server.stdout.readline()
            assert line, "the server closed its output"
            if line == b"\r\n":
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message = json.loads(server.stdout.read(length))
        if message.get("id") == id_:
            return message
server = subprocess.Popen([sys.argv[1], "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
      "params": {"processId": None, "rootUri": None, "capabilities": {}}})
answer = reply(1)
assert "capabilities" in answer.get("result", {}), answer
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
answer = reply(2)
assert "error" not in answer, answer
send({"jsonrpc": "2.0", "method": "exit"})
server.stdin.close()
assert server.wait(timeout=60) == 0, server.stderr.read()
print("serve: initialize answered, shutdown and exit clean")
EOF
}

echo "== PyPI wheel (maturin, bindings = bin)"
(cd server/packaging/pypi && "$VENV/bin/maturin" build --profile "$PROFILE" --locked --quiet --out "$WORK/wheels")
WHEEL="$(ls "$WORK"/wheels/flyway_lsp-"$VERSION"-*.whl)"
echo "built $(basename "$WHEEL")"
python3 -m venv "$WORK/fresh-venv"
"$WORK/fresh-venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$WHEEL"
PY_BIN="$WORK/fresh-venv/bin/flyway-lsp"
if out="$(cd "$WORK" && "$PY_BIN" check "$FIXTURE")" && [[ "$out" == "No problems found"* ]]; then
  ok "pip-installed flyway-lsp check: $out"
else
  fail "pip-installed flyway-lsp check: $out"
fi
if lsp_session "$PY_BIN"; then ok "pip-installed flyway-lsp serve"; else fail "pip-installed flyway-lsp serve"; fi
if "$PY_BIN" --version | grep -qx "flyway-lsp $VERSION"; then ok "wheel version $VERSION"; else fail "wheel version"; fi

echo "== npm packages (launcher + linux-x64)"
node server/packaging/npm/build.mjs platform --version "$VERSION" --platform linux-x64 --binary "$BIN" --out "$WORK/npm"
node server/packaging/npm/build.mjs launcher --version "$VERSION" --out "$WORK/npm"
mkdir -p "$WORK/prefix"
# A fresh prefix; the other platforms' optional packages are skipped (wrong os / cpu, or not
# published), as they are for a user.
(cd "$WORK/prefix" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error \
  "$WORK/npm/flyway-lsp-linux-x64-$VERSION.tgz" "$WORK/npm/flyway-lsp-$VERSION.tgz")
if out="$(cd "$WORK/prefix" && npx --no-install flyway-lsp check "$FIXTURE")" && [[ "$out" == "No problems found"* ]]; then
  ok "npx flyway-lsp check: $out"
else
  fail "npx flyway-lsp check: $out"
fi
status=0
(cd "$WORK/prefix" && npx --no-install flyway-lsp check "$ROOT/fixtures/postgres-snake/broken" >/dev/null) || status=$?
if [ "$status" = 1 ]; then ok "npx passes the exit status through (1)"; else fail "npx exit status $status, expected 1"; fi
if lsp_session "$WORK/prefix/node_modules/.bin/flyway-lsp"; then ok "npm-installed flyway-lsp serve"; else fail "npm-installed serve"; fi

echo "== cargo publish --dry-run"
# Packaging and crates.io's checks of the manifest and dependencies. The verifying build of the
# packaged crate is skipped in CI (--no-verify: it compiles every dependency once more without the
# workspace's profile, ~10 min on 2 cores); FULL_PUBLISH_CHECK=1 runs it.
verify=(--no-verify)
if [ "${FULL_PUBLISH_CHECK:-}" = 1 ]; then verify=(); fi
if cargo publish --dry-run --locked -q -p flyway-lsp --allow-dirty "${verify[@]}"; then ok "cargo publish --dry-run"; else fail "cargo publish --dry-run"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
