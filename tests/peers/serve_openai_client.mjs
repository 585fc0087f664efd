// The official `openai` client against `tracemill serve` (URL in argv[2]): models, a
// plain completion, a stream with usage, a tool-call request, and an error. Prints one
// JSON line with what it saw; exits 1 on the first failed check.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "unused", maxRetries: 0 });
const fail = (what) => { console.error("FAILED: " + what); process.exit(1); };
const seen = {};

const models = await client.models.list();
const ids = models.data.map((m) => m.id);
if (!ids.includes("base")) fail("models: " + JSON.stringify(ids));
seen.models = ids;

const plain = await client.chat.completions.create({
  model: "base", messages: [{ role: "user", content: "Say hello." }], max_tokens: 8, temperature: 0,
});
const choice = plain.choices[0];
if (typeof choice.message.content !== "string" && !choice.message.tool_calls) fail("plain: no content");
if (!["stop", "length", "tool_calls"].includes(choice.finish_reason)) fail("plain finish " + choice.finish_reason);
if (!(plain.usage.completion_tokens >= 1 && plain.usage.completion_tokens <= 8)) fail("plain usage " + JSON.stringify(plain.usage));
seen.plain = { finish: choice.finish_reason, usage: plain.usage };

const stream = await client.chat.completions.create({
  model: "base", messages: [{ role: "user", content: "Count to three." }], max_tokens: 6, temperature: 0,
  stream: true, stream_options: { include_usage: true },
});
let chunks = 0, usage = null, finish = null;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
}
if (chunks < 3 || !usage || !finish) fail(`stream: ${chunks} chunks, usage ${JSON.stringify(usage)}, finish ${finish}`);
seen.stream = { chunks, finish, usage };

const tools = [{ type: "function", function: { name: "read_file", description: "Read a file",
  parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } } }];
const called = await client.chat.completions.create({
  model: "base", messages: [{ role: "user", content: "Read /etc/hostname" }], tools, max_tokens: 24, temperature: 0,
  tool_choice: { type: "function", function: { name: "read_file" } },
});
const message = called.choices[0].message;
seen.tools = { finish: called.choices[0].finish_reason, calls: (message.tool_calls || []).map((c) => c.function.name) };
for (const c of message.tool_calls || []) {
  if (c.function.name !== "read_file" || typeof c.function.arguments !== "string" || !c.id) fail("tool call " + JSON.stringify(c));
}

try {
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] });
  fail("unknown model accepted");
} catch (e) {
  if (e.status !== 404 || e.code !== "model_not_found") fail("unknown model: " + e.status + " " + e.code);
  seen.error = { status: e.status, code: e.code };
}
console.log(JSON.stringify(seen));
