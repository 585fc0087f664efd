#!/usr/bin/env bash
# Installs the pinned npm packages that tests and benchmarks compare against
# (tests/peers/package-lock.json), only when they are missing or the lock changed.
set -euo pipefail
cd "$(dirname "$0")/../tests/peers"
stamp=node_modules/.tracemill-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
