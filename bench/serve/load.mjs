// N concurrent streaming clients (the official openai client) against an
// OpenAI-compatible server: requests/s, generated tokens/s, and time to first token.
// Usage: node bench/serve/load.mjs URL [clients=16] [requests=64] [max_tokens=32]
// (run from the repository root: `openai` comes from tests/peers/node_modules)
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "tests/peers/noop.js"));
const OpenAI = require("openai").default;
const [url, clients = "16", requests = "64", maxTokens = "32"] = process.argv.slice(2);
const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });

let next = 0, tokens = 0, errors = 0;
const ttft = [];
async function worker(w) {
  while (next < Number(requests)) {
    const i = next++;
    const start = performance.now();
    let first = 0;
    try {
      const stream = await client.chat.completions.create({
        model: "base", stream: true, stream_options: { include_usage: true }, temperature: 0,
        max_tokens: Number(maxTokens), messages: [{ role: "user", content: `Request ${i} from client ${w}: tell me a story.` }],
      });
      for await (const chunk of stream) {
        if (!first && chunk.choices[0]?.delta?.content) first = performance.now();
        if (chunk.usage) tokens += chunk.usage.completion_tokens;
      }
      ttft.push((first || performance.now()) - start);
    } catch (e) {
      errors++;
    }
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(clients) }, (_, w) => worker(w)));
const secs = (performance.now() - t0) / 1000;
ttft.sort((a, b) => a - b);
const q = (p) => ttft[Math.min(ttft.length - 1, Math.floor(p * ttft.length))] ?? 0;
console.log(JSON.stringify({
  clients: Number(clients), requests: Number(requests), errors, seconds: +secs.toFixed(2),
  requests_per_s: +(Number(requests) / secs).toFixed(2), tokens_per_s: +(tokens / secs).toFixed(1),
  ttft_ms_p50: +q(0.5).toFixed(0), ttft_ms_p90: +q(0.9).toFixed(0),
}));
