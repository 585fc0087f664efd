// The agent-loop benchmark's peer: a Node agent loop as a user writes it with the official
// `openai` and `@modelcontextprotocol/sdk` packages. --parallel agents at once (a promise pool);
// per task a fresh MCP Client over StreamableHTTPClientTransport (connect, listTools),
// the tools offered as OpenAI functions, then chat.completions.create → callTool → ...
// until a final answer (or --max-turns), the trace written once at the end in the
// reference agent's format ({timestamp, model, messages, tools}), the session ended.
//
//   cd tests/peers && node ../../bench/agent/peer_agent_loop.mjs --tasks T.jsonl \
//       --out DIR --base-url http://127.0.0.1:P/v1 --mcp-url http://127.0.0.1:Q/mcp --parallel 64
//
// Prints one JSON line: tasks, ok, errors (with a few messages), model and tool calls,
// wall seconds, and its own process.cpuUsage() and maxRSS. Packages resolve from the
// working directory (tests/peers).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const OpenAI = require("openai").default;
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const tasksPath = flag("tasks");
const outDir = flag("out");
const baseURL = flag("base-url");
const mcpUrl = flag("mcp-url");
const parallel = Number(flag("parallel", "4"));
const model = flag("model", "stub");
const maxTurns = Number(flag("max-turns", "30"));

const openai = new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY ?? "none" });

function timestamp() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

const totals = { model_calls: 0, tool_calls: 0, tool_errors: 0, ok: 0, errors: 0, error_samples: [] };

async function runTask(task) {
  const client = new Client({ name: "peer-agent-loop", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
  const started = timestamp();
  let phase = "connect";
  try {
    await client.connect(transport);
    phase = "listTools";
    const { tools } = await client.listTools();
    const openaiTools = tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description ?? "", parameters: t.inputSchema },
    }));
    const messages = [{ role: "user", content: task.prompt }];
    let final = false;
    for (let turn = 0; turn < maxTurns && !final; turn++) {
      phase = "model";
      const completion = await openai.chat.completions.create({
        model,
        messages,
        tools: openaiTools,
        tool_choice: "auto",
      });
      totals.model_calls++;
      const message = completion.choices[0].message;
      messages.push({ role: "assistant", content: message.content ?? "", ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}) });
      if (!message.tool_calls || message.tool_calls.length === 0) {
        final = true;
        break;
      }
      phase = "callTool";
      for (const call of message.tool_calls) {
        const result = await client.callTool({
          name: call.function.name,
          arguments: JSON.parse(call.function.arguments || "{}"),
        });
        totals.tool_calls++;
        if (result.isError) totals.tool_errors++;
        const text = (result.content ?? [])
          .filter((c) => c.type === "text")
          .map((c) => c.text)
          .join("\n");
        messages.push({ role: "tool", tool_call_id: call.id, content: text });
      }
    }
    if (!final) throw new Error(`no final answer in ${maxTurns} turns`);
    const trace = { timestamp: started, model, messages, tools: openaiTools };
    await fs.promises.writeFile(path.join(outDir, `${task.id}.json`), JSON.stringify(trace, null, 2));
    totals.ok++;
  } catch (e) {
    throw Object.assign(e instanceof Error ? e : new Error(String(e)), { phase });
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

const tasks = fs
  .readFileSync(tasksPath, "utf8")
  .split("\n")
  .filter((l) => l.trim() && !l.startsWith("#"))
  .map((l) => JSON.parse(l));
fs.mkdirSync(outDir, { recursive: true });

const t0 = process.hrtime.bigint();
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const task = tasks[next++];
    try {
      await runTask(task);
    } catch (e) {
      totals.errors++;
      const cause = e?.cause ? ` (${e.cause.code ?? ""} ${e.cause.message ?? e.cause})` : "";
      if (totals.error_samples.length < 5) totals.error_samples.push(`${task.id}: ${e?.phase}: ${e?.message ?? e}${cause}`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, worker));
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    tasks: tasks.length,
    ...totals,
    wall_s: wall,
    cpu_user_s: cpu.user / 1e6,
    cpu_sys_s: cpu.system / 1e6,
    max_rss_kb: process.resourceUsage().maxRSS,
  }),
);
