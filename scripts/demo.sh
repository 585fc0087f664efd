#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the data spine on the example
# traces in examples/traces — curate (gates, edits, redaction, dedupe) and unroll into a
# local Hugging Face dataset under out/demo/dataset. (The full collect→train→eval loop,
# `tracemill demo`, replaces this once it exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
out=out/demo
mkdir -p "$out"
build/cli/tracemill curate examples/traces --rules examples/curate_rules.yaml \
  -o "$out/curated.jsonl" --rejects "$out/rejects.jsonl" --report "$out/curate_report.json"
build/cli/tracemill unroll "$out/curated.jsonl" -o "$out/dataset" --mode per-turn \
  --eval-ratio 0.25 --title "tracemill demo traces" --curate-report "$out/curate_report.json"
echo "dataset: $out/dataset (card: $out/dataset/README.md)"
