#!/usr/bin/env bash
# Fuzzing: replays every kept regression input, then fuzzes each target for SECONDS (default 15;
# CI runs the short default, a longer run is e.g. `bash server/fuzz/run.sh 3600`).
#
# cargo-fuzz needs nightly-only compiler flags; on the stable toolchain they are enabled with
# RUSTC_BOOTSTRAP=1, and targets run without a sanitizer (-s none): panics, hangs (-timeout) and
# memory blow-ups (-rss_limit_mb) are what is caught.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-15}"
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
targets=(names checksum sql lsp_edits lsp_transport)
# A build failure stops the run (its output is shown, not filtered away).
if ! build_log=$(cargo fuzz build -s none -O 2>&1); then
  echo "$build_log" | grep -v "^\s*Compiling" | tail -40
  echo "fuzz build: FAILED"
  exit 1
fi

# Seeds (read-only second corpus folders, rebuilt each run, not committed): the file names and
# the scripts of the repository's fixtures and corpora (up to 300 scripts under 8 KB, chosen
# the same way every time), and well-formed LSP frames, so a short run starts from real inputs.
seeds="$PWD/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{names,checksum,sql,lsp_edits,lsp_transport}
repo="$(cd ../.. && pwd)"
i=0
while IFS= read -r -d '' file; do
  i=$((i + 1))
  printf '%s' "$(basename "$file")" >"$seeds/names/$i"
done < <(find "$repo/fixtures" -type f -print0 | sort -z)
i=0
kept=0
while IFS= read -r -d '' file; do
  i=$((i + 1))
  [ $((i % 3)) -eq 0 ] || continue
  kept=$((kept + 1))
  [ "$kept" -le 300 ] || break
  for target in checksum sql lsp_edits; do cp "$file" "$seeds/$target/$i"; done
done < <(find "$repo/fixtures" -type f -name '*.sql' -size -8k -print0 | sort -z)
frame() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}' >"$seeds/lsp_transport/initialize"
{ frame '{"jsonrpc":"2.0","method":"initialized","params":{}}'
  frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///V1__a.sql","languageId":"sql","version":1,"text":"CREATE TABLE t (id int);"}}}'
  frame '{"jsonrpc":"2.0","id":2,"method":"shutdown"}'
} >"$seeds/lsp_transport/session"
for target in "${targets[@]}"; do
  if [ -d "regressions/$target" ]; then
    for input in "regressions/$target"/*; do
      cargo fuzz run -s none -O "$target" "$input" -- -timeout=10 >/dev/null 2>&1 \
        || { echo "regression $input fails again:"; cargo fuzz run -s none -O "$target" "$input" 2>&1 | tail -20; exit 1; }
    done
    echo "fuzz $target: regressions pass"
  fi
  mkdir -p "corpus/$target"
  out=$(cargo fuzz run -s none -O "$target" "corpus/$target" "$seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1) || {
    echo "$out" | tail -30
    echo "fuzz $target: FAILED (the input is in server/fuzz/artifacts/$target)"
    exit 1
  }
  echo "fuzz $target: $(echo "$out" | grep -E '^Done' | tail -1)"
done
