#!/usr/bin/env bash
# Runs one client scenario of @modelcontextprotocol/conformance (pinned in tests/peers)
# against tracemill's MCP client and fails on any FAILURE or WARNING in its report.
# Usage: tests/mcp_conformance.sh CLIENT_BINARY SCENARIO
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=$(node "$here/peers/node_modules/@modelcontextprotocol/conformance/dist/index.js" client \
  --command "$1" --scenario "$2" 2>&1)
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then echo "conformance exited with $rc"; exit 1; fi
if echo "$out" | grep -qE "FAILURE|WARNING" || ! echo "$out" | grep -q ", 0 failed, 0 warnings"; then
  echo "scenario $2: failures or warnings above"
  exit 1
fi
exit 0
