#!/usr/bin/env python3
"""Peer for bench/run_curate_unroll.sh: the reference agent's push-to-hub.py logic.

Reads traces, normalises messages and unrolls them exactly as the reference does (full row
plus a prefix row at each assistant message that directly follows a user message), keeps
all rows in memory as `Dataset.from_list` does, then writes them as JSONL (the `datasets`
package and the Hub are not reachable here, so the Arrow conversion is left out, which
flatters the peer). It does no curation. Prints one JSON line of figures.
"""
import json
import resource
import sys
import time


def normalise(msg):
    out = {"role": msg["role"]}
    if msg.get("content") is not None:
        out["content"] = msg["content"]
    if msg.get("reasoning_content"):
        out["reasoning_content"] = msg["reasoning_content"]
    if msg.get("tool_calls"):
        out["tool_calls"] = msg["tool_calls"]
    if msg["role"] == "tool":
        out["tool_call_id"] = msg.get("tool_call_id")
        out["name"] = msg.get("name")
    return out


def main(corpus, out_path):
    start = time.perf_counter()
    rows = []
    with open(corpus) as f:
        for line in f:
            trace = json.loads(line)
            messages = [normalise(m) for m in trace.get("messages", [])]
            if not messages:
                continue
            base = {"id": trace["id"], "timestamp": trace.get("timestamp"),
                    "model": trace.get("model"), "tools": trace.get("tools", [])}
            assistant_count = 0
            for i, m in enumerate(messages):
                if m["role"] != "assistant":
                    continue
                assistant_count += 1
                if i > 0 and messages[i - 1]["role"] == "user":
                    row = dict(base)
                    row.update({"id": "%s_trunc_%d" % (trace["id"], assistant_count),
                                "messages": messages[:i + 1], "truncated": True,
                                "original_id": trace["id"],
                                "truncation_point": assistant_count})
                    rows.append(row)
            row = dict(base)
            row.update({"messages": messages, "truncated": False})
            rows.append(row)
    with open(out_path, "w") as f:
        for row in rows:
            f.write(json.dumps(row))
            f.write("\n")
    secs = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"rows": len(rows), "seconds": secs, "rows_per_s": len(rows) / secs,
                      "peak_rss_mb": peak_mb}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
