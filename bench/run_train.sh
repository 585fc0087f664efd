#!/usr/bin/env bash
# LoRA training throughput and peak memory: tracemill's Trainer vs a plain Python
# PyTorch loop (Debian's python3-torch) on the same random Qwen3 shape, batch, sequence
# length, thread count and steps, in one run.
# Usage: bench/run_train.sh [preset=small] [seq=512] [batch=4] [steps=10] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-small}; seq=${2:-512}; batch=${3:-4}; steps=${4:-10}; threads=${5:-2}
[ -f build/build.ninja ] || bash scripts/build.sh
cmake --build build --target train_bench >/dev/null
ours=$(build/bench/train_bench "$preset" "$seq" "$batch" "$steps" "$threads")
lean=$(build/bench/train_bench "$preset" "$seq" "$batch" "$steps" "$threads" lean)
peer=$(/usr/bin/python3 bench/peer_lora_train.py "$preset" "$seq" "$batch" "$steps" "$threads")
python3 - "$preset $seq x $batch, $steps steps, $threads threads" "$ours" "$lean" "$peer" <<'PY'
import json, sys
what, o, l, p = sys.argv[1], *(json.loads(a) for a in sys.argv[2:])
print(f"== LoRA r=16 on a random Qwen3 {what} ==")
print(f"tokens/s : tracemill {o['tokens_per_s']:9.1f}   python loop {p['tokens_per_s']:9.1f}   -> {o['tokens_per_s'] / p['tokens_per_s']:.2f}x")
print(f"peak RSS : tracemill {o['peak_rss_mb']:9.1f} MB python loop {p['peak_rss_mb']:9.1f} MB -> {o['peak_rss_mb'] / p['peak_rss_mb']:.2f}x")
print(f"with --optimizer adamw8bit --gradient-checkpointing: {l['tokens_per_s']:.1f} tokens/s "
      f"({l['tokens_per_s'] / p['tokens_per_s']:.2f}x), peak RSS {l['peak_rss_mb']:.1f} MB "
      f"({l['peak_rss_mb'] / p['peak_rss_mb']:.2f}x)")
PY
