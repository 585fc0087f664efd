#!/usr/bin/env bash
# Greedy generation speed: tracemill's Generator (KV cache, C++ on libtorch) vs a plain
# Python PyTorch loop with a KV cache (bench/peer_generate.py, Debian's python3-torch) on
# the same random Qwen3 weights, prompt, thread count and number of new tokens. Each side
# runs REPEATS times, alternating which goes first; the medians are printed side by side.
# Usage: bench/run_generate.sh [preset=small] [prompt=128] [new=64] [threads=2] [streams=1]
#        [repeats=3]        (BUILD=dir picks the build directory, default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-small}; prompt=${2:-128}; new=${3:-64}; threads=${4:-2}; streams=${5:-1}
repeats=${6:-3}; build=${BUILD:-build}
[ -f "$build/build.ninja" ] || bash scripts/build.sh
cmake --build "$build" --target generate_bench >/dev/null
model=$(mktemp -d /tmp/tracemill-generate-bench.XXXXXX)
trap 'rm -rf "$model"' EXIT
ours=(); peer=()
for ((i = 0; i < repeats; i++)); do
  if ((i % 2 == 0)); then
    ours+=("$("$build/bench/generate_bench" "$preset" "$prompt" "$new" "$threads" "$model" "$streams")")
    peer+=("$(/usr/bin/python3 bench/peer_generate.py "$model" "$prompt" "$new" "$threads" "$streams")")
  else
    peer+=("$(/usr/bin/python3 bench/peer_generate.py "$model" "$prompt" "$new" "$threads" "$streams")")
    ours+=("$("$build/bench/generate_bench" "$preset" "$prompt" "$new" "$threads" "$model" "$streams")")
  fi
done
/usr/bin/python3 - "$preset, prompt $prompt, $new new tokens, $threads threads, $streams stream(s), $repeats repeats" \
    "$(printf '%s\n' "${ours[@]}")" "$(printf '%s\n' "${peer[@]}")" <<'PY'
import json, statistics, sys
what = sys.argv[1]
ours = [json.loads(l) for l in sys.argv[2].splitlines()]
peer = [json.loads(l) for l in sys.argv[3].splitlines()]
med = lambda runs, k: statistics.median(r[k] for r in runs)
print(f"== greedy generation, random Qwen3 {what} (medians) ==")
print(f"{'':22} {'tracemill':>10} {'python loop':>12} {'ratio':>7}")
for key, label, better in (("decode_tokens_per_s", "decode tokens/s", "higher"),
                           ("ttft_ms", "time to first token ms", "lower"),
                           ("total_tokens_per_s", "all streams tokens/s", "higher")):
    o, p = med(ours, key), med(peer, key)
    ratio = o / p if better == "higher" else p / o
    print(f"{label:22} {o:10.1f} {p:12.1f} {ratio:6.2f}x")
same = all(o["tokens"] == peer[0]["tokens"] for o in ours)
print(f"same tokens: {'yes' if same else 'NO'}")
PY
