#!/usr/bin/env bash
# The whole benchmark suite, one command: check throughput on a generated 10,000-file tree,
# language-server latency and memory, and the side-by-side comparison with squawk and
# postgrestools (installed on first use). Release builds; takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== check: generated tree (cargo bench --bench folder)"
cargo bench -q -p flyway-lsp --bench folder 2>/dev/null | grep -v '^$'
echo "== language server (cargo bench --bench lsp)"
cargo bench -q -p flyway-lsp --bench lsp 2>/dev/null | grep -v '^$'
echo "== side by side with the peers (x = their time / ours)"
bash server/benches/compare-peers.sh "$@"
