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
cargo fuzz build -s none -O 2>&1 | grep -v "^\s*Compiling" || true
for target in "${targets[@]}"; do
  if [ -d "regressions/$target" ]; then
    for input in "regressions/$target"/*; do
      cargo fuzz run -s none -O "$target" "$input" -- -timeout=10 >/dev/null 2>&1 \
        || { echo "regression $input fails again:"; cargo fuzz run -s none -O "$target" "$input" 2>&1 | tail -20; exit 1; }
    done
    echo "fuzz $target: regressions pass"
  fi
  mkdir -p "corpus/$target"
  out=$(cargo fuzz run -s none -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1) || {
    echo "$out" | tail -30
    echo "fuzz $target: FAILED (the input is in server/fuzz/artifacts/$target)"
    exit 1
  }
  echo "fuzz $target: $(echo "$out" | grep -E '^Done' | tail -1)"
done
