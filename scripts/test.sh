#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the default test set
# (everything but the tests labelled long or browser). Arguments replace that selection
# and go to ctest, e.g. scripts/test.sh -L long.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash scripts/peers.sh
# The browser tests drive Debian's chromium: install it only when they are asked for.
if [[ " $* " == *browser* ]]; then bash scripts/deps.sh --browser; fi
jobs=$(nproc 2>/dev/null || echo 2)
cd build
if [ $# -gt 0 ]; then
  ctest --output-on-failure -j "$jobs" "$@"
else
  ctest --output-on-failure -j "$jobs" -LE 'long|browser'
fi
