#!/usr/bin/env python3
"""Prints run_agent_loop.sh's table from its work directory.

    summarize.py WORKDIR STEPS LATENCY_MS PAYLOAD N [N ...]

An agent step is one model call together with the tool calls it asks for; steps are
counted from the traces each loop wrote (assistant messages), so a task that failed
before its trace was written adds no steps. Errors: for tracemill, tasks without a trace,
traces whose outcome is not "success" and tool results flagged is_error; for the Node
loop, tasks that threw (no trace) and tool results with isError.
"""
import glob
import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def count_traces(folder):
    out = {"traces": 0, "model_calls": 0, "tool_calls": 0, "not_success": 0, "tool_errors": 0,
           "samples": []}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        t = load(path)
        out["traces"] += 1
        for m in t.get("messages", []):
            if m.get("role") == "assistant":
                out["model_calls"] += 1
            elif m.get("role") == "tool":
                out["tool_calls"] += 1
                if m.get("is_error"):
                    out["tool_errors"] += 1
                    if len(out["samples"]) < 3:
                        out["samples"].append(f"tool error: {str(m.get('content'))[:200]}")
        status = t.get("outcome", {}).get("status", "success")
        if status != "success":
            out["not_success"] += 1
            if len(out["samples"]) < 3:
                detail = t.get("outcome", {}).get("detail", "")
                out["samples"].append(f"{t.get('task_id', path)}: {status}: {detail[:300]}")
    return out


def servers_cpu(path):
    a = [float(x) for x in open(path).read().split()]
    return (a[2] - a[0]) + (a[3] - a[1])


def main():
    work, steps, latency, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    levels = [int(n) for n in sys.argv[5:]]
    print(f"workload: {steps} tool calls then a final answer per task ({steps + 1} agent steps), "
          f"model latency {latency} ms, {payload}-byte tool payloads, server-everything over "
          f"Streamable HTTP")
    header = (f"{'agents':>6} {'tasks':>5} {'steps':>6} | {'CPU ms/step':^17} {'tm/node':>7} | "
              f"{'steps/s':^15} | {'peak RSS MB':^15} | {'errors':^11} | {'servers CPU s':^13}")
    print(header)
    print(f"{'':>20} | {'tracemill':>9} {'node':>7} {'':>7} | {'tm':>7} {'node':>7} | "
          f"{'tm':>7} {'node':>7} | {'tm':>5} {'node':>5} | {'tm':>6} {'node':>6}")
    notes = []
    for n in levels:
        d = os.path.join(work, str(n))
        with open(os.path.join(d, "tasks.jsonl")) as f:
            tasks = sum(1 for line in f if line.strip())
        tm_time, node_time = load(os.path.join(d, "tm.time.json")), load(os.path.join(d, "node.time.json"))
        tm, node = count_traces(os.path.join(d, "tm")), count_traces(os.path.join(d, "node"))
        try:
            with open(os.path.join(d, "node.out")) as f:
                node_self = json.loads(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            node_self = {"errors": tasks, "tool_errors": 0, "error_samples": ["no summary line"]}
        tm_errors = (tasks - tm["traces"]) + tm["not_success"] + tm["tool_errors"]
        node_errors = node_self["errors"] + node_self["tool_errors"]
        if tm_time["rc"] != 0:
            tm_errors += 1
            notes.append(f"{n} agents: tracemill exited {tm_time['rc']}: "
                         f"{open(os.path.join(d, 'tm.log')).read()[-500:]}")
        if node_time["rc"] != 0:
            node_errors += 1
            notes.append(f"{n} agents: node exited {node_time['rc']}: "
                         f"{open(os.path.join(d, 'node.log')).read()[-500:]}")
        for s in tm["samples"]:
            notes.append(f"{n} agents, tracemill: {s}")
        for s in node_self.get("error_samples", []):
            notes.append(f"{n} agents, node: {s}")
        if node_self.get("model_calls", node["model_calls"]) != node["model_calls"]:
            notes.append(f"{n} agents: node made {node_self['model_calls']} model calls, "
                         f"{node['model_calls']} in its traces")

        def per_step(t, c):
            return 1000 * (t["user_s"] + t["sys_s"]) / c["model_calls"] if c["model_calls"] else float("nan")

        tm_ms, node_ms = per_step(tm_time, tm), per_step(node_time, node)
        print(f"{n:>6} {tasks:>5} {tm['model_calls']:>6} | {tm_ms:>9.3f} {node_ms:>7.3f} "
              f"{tm_ms / node_ms:>7.2f} | "
              f"{tm['model_calls'] / tm_time['wall_s']:>7.1f} {node['model_calls'] / node_time['wall_s']:>7.1f} | "
              f"{tm_time['max_rss_kb'] / 1024:>7.1f} {node_time['max_rss_kb'] / 1024:>7.1f} | "
              f"{tm_errors:>5} {node_errors:>5} | "
              f"{servers_cpu(os.path.join(d, 'tm.servers')):>6.1f} "
              f"{servers_cpu(os.path.join(d, 'node.servers')):>6.1f}")
        if node["model_calls"] != tm["model_calls"]:
            notes.append(f"{n} agents: steps differ (tracemill {tm['model_calls']}, node "
                         f"{node['model_calls']})")
    empty = os.path.join(work, "node_empty.time.json")
    if os.path.exists(empty):
        e = load(empty)
        print(f"node start-up with no tasks (included above): {1000 * (e['user_s'] + e['sys_s']):.0f} "
              f"CPU ms, {e['max_rss_kb'] / 1024:.1f} MB")
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
