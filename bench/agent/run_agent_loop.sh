#!/usr/bin/env bash
# Agent loop: `tracemill collect` and a Node loop written with the official `openai` and
# `@modelcontextprotocol/sdk` packages (peer_agent_loop.mjs) run the same tasks against
# the same stub model endpoint (fixed latency, a scripted conversation of STEPS tool calls
# then a final answer) and the same MCP server (server-everything over Streamable HTTP),
# at each concurrency level. Prints CPU-ms per agent step, steps/s, peak RSS and errors
# side by side, with the ratio of CPU per step.
#
# Usage: bench/agent/run_agent_loop.sh ["1 64 256"] [tasks per agent=2] [workdir=/tmp/tracemill-agent-bench]
# Env: TRACEMILL=path/to/tracemill (default: build it in build-bench/), LATENCY_MS=50,
#      STEPS=4 (tool calls per task), PAYLOAD=1024 (bytes in each tool call and result),
#      MIN_TASKS=16 (tasks per level at least), REPEATS=3 (runs per level; the table
#      shows medians).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
levels=${1:-"1 64 256"}
per_agent=${2:-2}
work=${3:-/tmp/tracemill-agent-bench}
latency=${LATENCY_MS:-50}
steps=${STEPS:-4}
payload=${PAYLOAD:-1024}
min_tasks=${MIN_TASKS:-16}
repeats=${REPEATS:-3}

bash scripts/peers.sh
if [ -z "${TRACEMILL:-}" ]; then
  [ -f build-bench/build.ninja ] || cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRACEMILL_WITH_TORCH=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  nice cmake --build build-bench --target tracemill >/dev/null
  TRACEMILL=$repo/build-bench/cli/tracemill
fi
TRACEMILL=$(realpath "$TRACEMILL")
# Each agent holds a few sockets (model, MCP POST, MCP GET stream) and the servers too.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

node bench/agent/stub_endpoint.mjs --port 0 --latency-ms "$latency" --steps "$steps" \
  --payload "$payload" >"$work/stub.out" 2>"$work/stub.err" &
pids+=($!)
stub_pid=$!
mcp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# server-everything logs a line per request on stdout: discarded, so it costs no disk.
(cd tests/peers && PORT=$mcp_port exec node node_modules/@modelcontextprotocol/server-everything/dist/index.js \
  streamableHttp >/dev/null 2>"$work/mcp.err") &
pids+=($!)
mcp_pid=$!
for _ in $(seq 100); do
  stub_port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/stub.out")
  if [ -n "$stub_port" ] && grep -q "listening on port" "$work/mcp.err"; then break; fi
  sleep 0.1
done
[ -n "$stub_port" ] || { echo "stub endpoint did not start: $(cat "$work/stub.err")" >&2; exit 1; }
grep -q "listening on port" "$work/mcp.err" || { echo "MCP server did not start: $(cat "$work/mcp.err")" >&2; exit 1; }
base_url=http://127.0.0.1:$stub_port/v1
mcp_url=http://127.0.0.1:$mcp_port/mcp

cat >"$work/agent.yaml" <<EOF
endpoint:
  base_url: $base_url
  model: stub
  api_key_env: TRACEMILL_BENCH_KEY
  stream: false
  timeout_s: 120
sampling: {}
limits: {max_turns: 30, max_tool_calls: 100, max_wall_s: 600, tool_timeout_s: 120}
truncate: 0
mcpServers:
  everything:
    url: $mcp_url
EOF

# utime+stime of a server process, in seconds.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
servers_cpu() { echo "$(cpu_of "$stub_pid") $(cpu_of "$mcp_pid")"; }

run_tracemill() {
  local dir=$1 n=$2 before
  before=$(servers_cpu)
  python3 bench/agent/measure.py "$dir/tm.time.json" "$TRACEMILL" collect \
    --tasks "$dir/../tasks.jsonl" -c "$work/agent.yaml" -o "$dir/tm" -j "$n" -q 2>"$dir/tm.log" || true
  echo "$before $(servers_cpu)" >"$dir/tm.servers"
}
run_node() {
  local dir=$1 n=$2 before
  before=$(servers_cpu)
  (cd tests/peers && python3 ../../bench/agent/measure.py "$dir/node.time.json" node ../../bench/agent/peer_agent_loop.mjs \
    --tasks "$dir/../tasks.jsonl" --out "$dir/node" --base-url "$base_url" --mcp-url "$mcp_url" --parallel "$n" \
    >"$dir/node.out" 2>"$dir/node.log") || true
  echo "$before $(servers_cpu)" >"$dir/node.servers"
}

for n in $levels; do
  mkdir -p "$work/$n"
  tasks=$((n * per_agent))
  [ "$tasks" -ge "$min_tasks" ] || tasks=$min_tasks
  for i in $(seq 1 "$tasks"); do
    printf '{"id": "task-%04d", "prompt": "Echo back step by step what task %d asks for."}\n' "$i" "$i"
  done >"$work/$n/tasks.jsonl"
  # Repeats alternate which loop goes first, so neither always meets a warmer server.
  for r in $(seq 1 "$repeats"); do
    dir=$work/$n/run$r
    mkdir -p "$dir"
    if [ $((r % 2)) -eq 1 ]; then
      run_tracemill "$dir" "$n"; run_node "$dir" "$n"
    else
      run_node "$dir" "$n"; run_tracemill "$dir" "$n"
    fi
  done
done

# Node's start-up (loading openai and the MCP SDK) with no tasks, for reference.
: >"$work/empty.jsonl"
(cd tests/peers && python3 ../../bench/agent/measure.py "$work/node_empty.time.json" node ../../bench/agent/peer_agent_loop.mjs \
  --tasks "$work/empty.jsonl" --out "$work/node-empty" --base-url "$base_url" --mcp-url "$mcp_url" >/dev/null)

# shellcheck disable=SC2086  # one argument per level
python3 bench/agent/summarize.py "$work" "$steps" "$latency" "$payload" $levels
