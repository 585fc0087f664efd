#!/usr/bin/python3
"""A scripted MCP stdio server for libs/mcp tests.

  fake_server.py MODE [PROTOCOL_VERSION]

MODE: normal (paginated tools, every content type, a server->client ping, a
list_changed notification, a garbage line and 1 MB of stderr), hang (tools/call never
answers), crash (exits during tools/call), old (answers initialize with 2024-11-05).
Records what it received in the file named by $FAKE_MCP_LOG, one JSON per line.
"""
import json
import os
import sys

mode = sys.argv[1]
version = sys.argv[2] if len(sys.argv) > 2 else "2025-11-25"
log = open(os.environ["FAKE_MCP_LOG"], "a") if os.environ.get("FAKE_MCP_LOG") else None


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


TOOLS = [{"name": f"tool_{i}", "description": f"tool {i}",
          "inputSchema": {"type": "object", "properties": {"x": {"type": "integer"}}}} for i in range(5)]

for line in sys.stdin:
    msg = json.loads(line)
    if log:
        log.write(json.dumps(msg) + "\n")
        log.flush()
    method, mid = msg.get("method"), msg.get("id")
    if method == "initialize":
        v = "2024-11-05" if mode == "old" else version
        send({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": v, "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": "fake", "version": "1"}, "instructions": "be nice"}})
    elif method == "notifications/initialized":
        if mode == "normal":
            sys.stderr.write("x" * (1 << 20) + "\nstderr is drained\n")
            sys.stderr.flush()
            send({"jsonrpc": "2.0", "id": "srv-1", "method": "ping"})
            sys.stdout.write("this is not json\n")
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    elif method == "tools/list":
        cursor = (msg.get("params") or {}).get("cursor")
        start = int(cursor) if cursor else 0
        page = {"tools": TOOLS[start:start + 2]}
        if start + 2 < len(TOOLS):
            page["nextCursor"] = str(start + 2)
        send({"jsonrpc": "2.0", "id": mid, "result": page})
    elif method == "tools/call":
        if mode == "hang":
            continue
        if mode == "crash":
            sys.stderr.write("fatal: the fake server crashed\n")
            sys.stderr.flush()
            os._exit(3)
        name = msg["params"]["name"]
        if name == "unknown":
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": "Unknown tool: unknown"}})
            continue
        send({"jsonrpc": "2.0", "id": mid, "result": {"isError": name == "tool_1", "content": [
            {"type": "text", "text": "args " + json.dumps(msg["params"]["arguments"])},
            {"type": "image", "mimeType": "image/png", "data": "AAAA" * 100},
            {"type": "audio", "mimeType": "audio/wav", "data": "AAAA"},
            {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "hello file"}},
            {"type": "resource", "resource": {"uri": "file:///b.bin", "mimeType": "application/zip", "blob": "AAAAAAAA"}},
            {"type": "resource_link", "uri": "file:///c", "name": "c", "description": "a link"}]}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
    elif mid is not None and method is None:
        pass  # the client's answer to our ping (logged)
