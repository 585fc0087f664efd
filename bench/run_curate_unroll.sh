#!/usr/bin/env bash
# Curate + unroll at two corpus sizes (N and 10N traces), tracemill next to the Python
# reference peer on the same input, printing throughput, peak memory and ratios.
# Usage: bench/run_curate_unroll.sh [N=10000] [workdir=/tmp/tracemill-bench]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
work=${2:-/tmp/tracemill-bench}
bench=build/bench/curate_unroll_bench
[ -x "$bench" ] || bash scripts/build.sh
py=/usr/bin/python3
[ -x "$py" ] || py=python3
mkdir -p "$work"
for size in "$n" "$((n * 10))"; do
  corpus="$work/corpus-$size.jsonl"
  [ -f "$corpus" ] || "$bench" gen "$size" "$corpus"
  ours=$("$bench" run "$corpus" "$work/out-$size")
  peer=$("$py" bench/peer_reference_unroll.py "$work/out-$size/curated.jsonl" "$work/out-$size/peer.jsonl")
  "$py" - "$size" "$ours" "$peer" <<'PY'
import json, sys
size, ours, peer = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"== {size} traces, {ours['input_mb']:.0f} MB ==")
print(f"tracemill curate      : {ours['curate_mb_per_s']:8.1f} MB/s {ours['curate_traces_per_s']:9.0f} traces/s")
print(f"tracemill unroll seed : {ours['unroll_seed_rows_per_s']:9.0f} rows/s ({ours['unroll_seed_rows']} rows, {ours['unroll_seed_mb_per_s']:.1f} MB/s)")
print(f"tracemill unroll turn : {ours['unroll_per-turn_rows_per_s']:9.0f} rows/s ({ours['unroll_per-turn_rows']} rows, {ours['unroll_per-turn_mb_per_s']:.1f} MB/s)")
print(f"reference unroll seed : {peer['rows_per_s']:9.0f} rows/s ({peer['rows']} rows)")
print(f"seed unroll speed-up  : {ours['unroll_seed_rows_per_s'] / peer['rows_per_s']:.2f}x")
print(f"peak RSS tracemill    : {ours['peak_rss_mb']:8.1f} MB (curate + both unrolls)")
print(f"peak RSS reference    : {peer['peak_rss_mb']:8.1f} MB (unroll only)")
PY
done
