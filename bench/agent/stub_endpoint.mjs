// An OpenAI-compatible chat-completions stub for the agent-loop benchmark: every reply
// comes after a fixed latency, and each conversation follows the same script whichever
// agent loop drives it. While the request holds fewer than --steps tool messages, the
// reply is one call of the offered tool named --tool (server-everything's `echo`, or a
// prefixed name ending in it) with a message of --payload bytes derived from the task and
// the step; then a final text answer. Non-streaming only; `usage` is a rough bytes/4.
//
//   node bench/agent/stub_endpoint.mjs --port 0 --latency-ms 50 --steps 4 --payload 1024
//
// Prints `{"port": N}` on stdout once listening. GET /stats returns the counts of replies
// so far. Plain node:http with keep-alive; no limit on connections.
import http from "node:http";
import { createHash } from "node:crypto";

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(flag("port", "0"));
const latencyMs = Number(flag("latency-ms", "50"));
const steps = Number(flag("steps", "4"));
const payload = Number(flag("payload", "1024"));
const toolName = flag("tool", "echo");

const stats = { requests: 0, tool_calls: 0, finals: 0, bad: 0 };
let nextId = 0;

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => p?.text ?? "").join("");
  return "";
}

// Filler text of `n` bytes that depends on the task and the step, so results differ.
function filler(seed, n) {
  const words = [];
  let h = createHash("sha256").update(seed).digest("hex");
  let size = 0;
  while (size < n) {
    for (let i = 0; i + 6 <= h.length && size < n; i += 6) {
      const w = h.slice(i, i + 6);
      words.push(w);
      size += w.length + 1;
    }
    h = createHash("sha256").update(h).digest("hex");
  }
  return words.join(" ").slice(0, n);
}

function reply(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const done = messages.filter((m) => m?.role === "tool").length;
  const user = messages.find((m) => m?.role === "user");
  const task = textOf(user?.content).slice(0, 200);
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const tool = tools
    .map((t) => t?.function?.name)
    .find((n) => typeof n === "string" && (n === toolName || n.endsWith(`_${toolName}`)));
  const id = ++nextId;
  let message;
  let finish;
  if (done < steps && tool !== undefined) {
    const args = { message: `step ${done + 1} of ${task}: ${filler(`${task}/${done}`, payload)}` };
    message = {
      role: "assistant",
      content: `Step ${done + 1}: calling ${tool}.`,
      tool_calls: [
        {
          id: `call_${id.toString(16).padStart(24, "0")}`,
          type: "function",
          function: { name: tool, arguments: JSON.stringify(args) },
        },
      ],
    };
    finish = "tool_calls";
    stats.tool_calls++;
  } else {
    message = { role: "assistant", content: `Done: ${done} tool results read for "${task}".` };
    finish = "stop";
    stats.finals++;
  }
  const completion = Math.ceil(JSON.stringify(message).length / 4);
  return {
    id: `chatcmpl-${id}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? "stub",
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: { prompt_tokens: 0, completion_tokens: completion, total_tokens: completion },
  };
}

function send(res, status, obj) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") return send(res, 200, stats);
  if (req.method === "GET" && req.url.endsWith("/models")) {
    return send(res, 200, { object: "list", data: [{ id: "stub", object: "model" }] });
  }
  if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
    return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    let body;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (e) {
      stats.bad++;
      return send(res, 400, { error: { message: `bad JSON: ${e.message}` } });
    }
    stats.requests++;
    const out = reply(body);
    out.usage.prompt_tokens = Math.ceil(raw.length / 4);
    out.usage.total_tokens += out.usage.prompt_tokens;
    setTimeout(() => send(res, 200, out), latencyMs);
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(port, "127.0.0.1", 1024, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
