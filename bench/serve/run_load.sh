#!/usr/bin/env bash
# `tracemill serve` under N concurrent streaming clients (bench/serve/load.mjs, the
# official openai client): requests/s, generated tokens/s, time to first token, with
# continuous batching (--max-batch N) and without it (--max-batch 1), side by side.
# Usage: bench/serve/run_load.sh [preset=tiny] [clients=16] [requests=64] [max_tokens=32] [threads=2]
#        (BUILD=dir picks the build directory, default build/)
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:-tiny}; clients=${2:-16}; requests=${3:-64}; max_tokens=${4:-32}; threads=${5:-2}
build=${BUILD:-build}
[ -f "$build/build.ninja" ] || bash scripts/build.sh
cmake --build "$build" --target tracemill >/dev/null
dir=$(mktemp -d /tmp/tracemill-serve-bench.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
"$build/cli/tracemill" model init --preset "$preset" --out "$dir/model" 2>/dev/null
for batch in "$clients" 1; do
  "$build/cli/tracemill" serve -m "$dir/model" --port 0 --max-batch "$batch" --threads "$threads" \
      --max-context 4096 > "$dir/url" 2> "$dir/serve.log" &
  pid=$!
  for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
  url=$(head -1 "$dir/url")
  printf 'max-batch %-3s ' "$batch"
  node bench/serve/load.mjs "$url" "$clients" "$requests" "$max_tokens"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  : > "$dir/url"
done
