#!/usr/bin/env python3
"""Prints run_agent_loop.sh's table from its work directory.

    summarize.py WORKDIR STEPS LATENCY_MS PAYLOAD N [N ...]

An agent step is one model call together with the tool calls it asks for. tracemill's
steps are the assistant messages in its traces (it writes one for failed tasks too); the
Node loop's are the model calls it completed (its summary line), so both count the work
done whether or not the task finished. Each level ran several times (WORKDIR/N/runK):
the table shows medians, the CPU ratio also its range, errors the sum over runs.

Errors: for tracemill, tasks without a trace, traces whose outcome is not "success" and
tool results flagged is_error; for the Node loop, tasks that threw and tool results with
isError. A process that exits non-zero counts one more.
"""
import glob
import json
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def count_traces(folder):
    out = {"traces": 0, "model_calls": 0, "not_success": 0, "tool_errors": 0, "samples": []}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        t = load(path)
        out["traces"] += 1
        for m in t.get("messages", []):
            if m.get("role") == "assistant":
                out["model_calls"] += 1
            elif m.get("role") == "tool" and m.get("is_error"):
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


def tail(path, n=500):
    try:
        return open(path).read()[-n:]
    except OSError:
        return ""


def one_run(d, tasks, expected, notes, label):
    tm_time, node_time = load(os.path.join(d, "tm.time.json")), load(os.path.join(d, "node.time.json"))
    tm = count_traces(os.path.join(d, "tm"))
    try:
        with open(os.path.join(d, "node.out")) as f:
            node = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        node = {"model_calls": 0, "errors": tasks, "tool_errors": 0, "error_samples": ["no summary line"]}
    tm_errors = (tasks - tm["traces"]) + tm["not_success"] + tm["tool_errors"]
    node_errors = node["errors"] + node["tool_errors"]
    if tm_time["rc"] != 0:
        tm_errors += 1
        notes.append(f"{label}: tracemill exited {tm_time['rc']}: {tail(os.path.join(d, 'tm.log'))}")
    if node_time["rc"] != 0:
        node_errors += 1
        notes.append(f"{label}: node exited {node_time['rc']}: {tail(os.path.join(d, 'node.log'))}")
    notes.extend(f"{label}, tracemill: {s}" for s in tm["samples"])
    if node["errors"]:
        notes.append(f"{label}, node: {node['errors']} tasks failed, e.g. "
                     + "; ".join(node.get("error_samples", [])[:2]))
    for who, calls in (("tracemill", tm["model_calls"]), ("node", node["model_calls"])):
        if calls != expected:
            notes.append(f"{label}: {who} completed {calls} model calls of {expected}")

    def ms_per_step(t, calls):
        return 1000 * (t["user_s"] + t["sys_s"]) / calls if calls else float("nan")

    r = {
        "tm_steps": tm["model_calls"],
        "tm_ms": ms_per_step(tm_time, tm["model_calls"]),
        "node_ms": ms_per_step(node_time, node["model_calls"]),
        "tm_sps": tm["model_calls"] / tm_time["wall_s"],
        "node_sps": node["model_calls"] / node_time["wall_s"],
        "tm_rss": tm_time["max_rss_kb"] / 1024,
        "node_rss": node_time["max_rss_kb"] / 1024,
        "tm_err": tm_errors,
        "node_err": node_errors,
        "tm_srv": servers_cpu(os.path.join(d, "tm.servers")),
        "node_srv": servers_cpu(os.path.join(d, "node.servers")),
    }
    r["ratio"] = r["tm_ms"] / r["node_ms"]
    return r


def main():
    work, steps, latency, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    levels = [int(n) for n in sys.argv[5:]]
    print(f"workload: {steps} tool calls then a final answer per task ({steps + 1} agent steps), "
          f"model latency {latency} ms, {payload}-byte tool payloads, server-everything over "
          f"Streamable HTTP; medians of the runs, CPU ratio with its range")
    print(f"{'agents':>6} {'tasks':>5} {'steps':>5} {'runs':>4} | {'CPU ms/step':^16} | "
          f"{'tm/node':^16} | {'steps/s':^13} | {'peak RSS MB':^13} | {'errors':^11} | "
          f"{'servers CPU s':^13}")
    print(f"{'':>23} | {'tracemill':>9} {'node':>6} | {'':>16} | {'tm':>6} {'node':>6} | "
          f"{'tm':>6} {'node':>6} | {'tm':>5} {'node':>5} | {'tm':>6} {'node':>6}")
    notes = []
    for n in levels:
        with open(os.path.join(work, str(n), "tasks.jsonl")) as f:
            tasks = sum(1 for line in f if line.strip())
        runs = sorted(glob.glob(os.path.join(work, str(n), "run*")))
        rs = [one_run(d, tasks, tasks * (steps + 1), notes, f"{n} agents, {os.path.basename(d)}")
              for d in runs]
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        lo, hi = min(r["ratio"] for r in rs), max(r["ratio"] for r in rs)
        print(f"{n:>6} {tasks:>5} {med['tm_steps']:>5.0f} {len(rs):>4} | {med['tm_ms']:>9.2f} "
              f"{med['node_ms']:>6.2f} | {med['ratio']:>4.2f} ({lo:.2f}-{hi:.2f}) | "
              f"{med['tm_sps']:>6.0f} {med['node_sps']:>6.0f} | {med['tm_rss']:>6.0f} "
              f"{med['node_rss']:>6.0f} | {sum(r['tm_err'] for r in rs):>5} "
              f"{sum(r['node_err'] for r in rs):>5} | {med['tm_srv']:>6.1f} {med['node_srv']:>6.1f}")
    empty = os.path.join(work, "node_empty.time.json")
    if os.path.exists(empty):
        e = load(empty)
        print(f"node start-up with no tasks (included above): {1000 * (e['user_s'] + e['sys_s']):.0f} "
              f"CPU ms, {e['max_rss_kb'] / 1024:.0f} MB")
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
