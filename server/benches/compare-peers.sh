#!/usr/bin/env bash
# Side-by-side timing of `flyway-lsp check` (all rules) and the peers on the same PostgreSQL
# migrations: squawk (PyPI squawk-cli) and postgrestools (npm @postgrestools/postgrestools), on a
# generated 10,000-file tree, the fixtures and the hawkbit corpus. Missing peers are installed
# into ~/.cache/flyway-lsp-bench (pass --no-install to skip them instead, with a note).
# Usage: server/benches/compare-peers.sh [FILES] [--no-install]
set -euo pipefail
cd "$(dirname "$0")/../.."
files=10000
install=1
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    *) files=$arg ;;
  esac
done
cache="$HOME/.cache/flyway-lsp-bench"
if ! command -v squawk >/dev/null && [ "$install" = 1 ]; then
  python3 -m pip install --quiet --disable-pip-version-check --target "$cache/py" squawk-cli >/dev/null 2>&1 || true
  [ -x "$cache/py/bin/squawk" ] && export PATH="$cache/py/bin:$PATH"
fi
pgt=$(command -v postgrestools || true)
if [ -z "$pgt" ] && [ -x "$cache/npm/node_modules/.bin/postgrestools" ]; then
  pgt="$cache/npm/node_modules/.bin/postgrestools"
fi
if [ -z "$pgt" ] && [ "$install" = 1 ] && command -v npm >/dev/null; then
  npm install --silent --no-audit --no-fund --prefix "$cache/npm" @postgrestools/postgrestools >/dev/null 2>&1 || true
  [ -x "$cache/npm/node_modules/.bin/postgrestools" ] && pgt="$cache/npm/node_modules/.bin/postgrestools"
fi
cargo build --release -q -p flyway-lsp
bin=target/release/flyway-lsp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/gen/db/migration" "$files" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
for i in range(1, n + 1):
    t = (f"-- Migration {i}\nCREATE TABLE IF NOT EXISTS t{i} (\n    id bigint PRIMARY KEY,\n"
         f"    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n")
    r = 0
    while len(t) < 4000:
        t += f"INSERT INTO t{i} (id, name) VALUES ({r}, 'row {r} of a seed statement with some text');\n"
        r += 1
    open(os.path.join(out, f"V{i}__add_table_{i}.sql"), "w").write(t)
PY

# Best of 3 wall-clock runs, in seconds.
best() {
  local best=999999999999999
  for _ in 1 2 3; do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    best=$(( (end - start) < best ? (end - start) : best ))
  done
  python3 -c "print(f'{$best / 1e9:.3f}')"
}

report() { # name dir-with-sql-files
  local name=$1 dir=$2
  local n bytes ours theirs
  n=$(find "$dir" -name '*.sql' | wc -l)
  bytes=$(find "$dir" -name '*.sql' -exec cat {} + | wc -c)
  ours=$(best "$bin" check "$dir")
  local squawk_s="" pgt_s=""
  if command -v squawk >/dev/null; then
    squawk_s=$(best sh -c "find '$dir' -name '*.sql' -print0 | xargs -0 squawk")
  fi
  if [ -n "$pgt" ]; then
    pgt_s=$(best "$pgt" check "$dir")
  fi
  python3 - "$name" "$n" "$bytes" "$ours" "$squawk_s" "$pgt_s" <<'PY'
import sys
name, n, b, ours = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
peers = {"squawk": sys.argv[5], "postgrestools": sys.argv[6]}
mb = b / 1048576
line = f"{name:<24} {n:>6} files {mb:6.1f} MB | flyway-lsp {ours:6.3f} s"
for peer, t in peers.items():
    if t:
        t = float(t)
        line += f" | {peer} {t:6.3f} s ({t/ours:5.1f}x)"
    else:
        line += f" | {peer} not installed"
print(line)
PY
}

report "generated ($files files)" "$work/gen"
report "fixtures (postgres)" fixtures/postgres-snake
report "hawkbit POSTGRESQL" fixtures/corpora/hawkbit/POSTGRESQL
