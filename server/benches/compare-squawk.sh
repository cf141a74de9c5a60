#!/usr/bin/env bash
# Side-by-side timing of `flyway-lsp check` (all rules) and squawk (PyPI squawk-cli) on the same
# PostgreSQL migrations: a generated 10,000-file tree, the fixtures and the hawkbit corpus.
# Usage: server/benches/compare-squawk.sh [FILES]   (squawk is skipped, with a note, when absent)
set -euo pipefail
cd "$(dirname "$0")/../.."
files=${1:-10000}
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
  if command -v squawk >/dev/null; then
    theirs=$(best sh -c "find '$dir' -name '*.sql' -print0 | xargs -0 squawk")
  else
    theirs=""
  fi
  python3 - "$name" "$n" "$bytes" "$ours" "$theirs" <<'PY'
import sys
name, n, b, ours, theirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
mb = b / 1048576
line = f"{name:<24} {n:>6} files {mb:7.1f} MB | flyway-lsp {ours:7.3f} s ({n/ours:8.0f} files/s, {mb/ours:6.1f} MB/s)"
if theirs:
    t = float(theirs)
    line += f" | squawk {t:7.3f} s ({n/t:8.0f} files/s) | squawk/flyway-lsp {t/ours:5.2f}x"
else:
    line += " | squawk not installed (pip install squawk-cli)"
print(line)
PY
}

report "generated ($files files)" "$work/gen"
report "fixtures (postgres)" fixtures/postgres-snake
report "hawkbit POSTGRESQL" ../shared/corpora/hawkbit/POSTGRESQL
