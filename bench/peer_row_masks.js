// Peer for bench/run_row_masks.sh: the same rows rendered with @huggingface/jinja (the
// template engine of transformers.js) and encoded with Hugging Face tokenizers (Rust,
// via @anush008/tokenizers), masked the same way as tracemill's ChatFormat: for each
// target assistant message, render the prefix with the generation prompt and the prefix
// with the message, take the difference up to the end-of-turn token, find it in the full
// rendering, and mark the tokens whose offsets overlap it. Prints one JSON line.
// Run from tests/peers: node ../../bench/peer_row_masks.js MODEL_DIR DATASET_DIR [reps]
"use strict";
const fs = require("fs");
const path = require("path");
const resolve = (name) => require.resolve(name, { paths: [process.cwd()] });
const { Template } = require(resolve("@huggingface/jinja"));
const { Tokenizer } = require(resolve("@anush008/tokenizers"));

async function main() {
  const [modelDir, datasetDir, repsArg] = process.argv.slice(2);
  const reps = Number(repsArg || 20);
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer_config.json"), "utf8"));
  const template = new Template(config.chat_template);
  const special = {};
  for (const k of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
    const v = config[k];
    if (v !== null && v !== undefined) special[k] = typeof v === "string" ? v : v.content;
  }
  const endOfTurn = [special.eos_token, "<|im_end|>"].filter(Boolean);
  const tokenizer = Tokenizer.fromFile(path.join(modelDir, "tokenizer.json"));
  const rows = [];
  const dataDir = path.join(datasetDir, "data");
  for (const f of fs.readdirSync(dataDir)) {
    for (const line of fs.readFileSync(path.join(dataDir, f), "utf8").split("\n")) {
      if (!line) continue;
      const row = JSON.parse(line);
      rows.push({ messages: row.messages, tools: JSON.parse(row.tools), targetFrom: row.target_from });
    }
  }
  const render = (messages, tools, gen) => template.render({
    ...special, messages, ...(tools.length ? { tools } : {}), add_generation_prompt: gen });

  let t0 = process.hrtime.bigint();
  let bytes = 0;
  for (let r = 0; r < reps; r++) for (const row of rows) bytes += render(row.messages, row.tools, false).length;
  const renderS = Number(process.hrtime.bigint() - t0) / 1e9;

  t0 = process.hrtime.bigint();
  let tokens = 0, targets = 0;
  for (let r = 0; r < reps; r++) {
    for (const row of rows) {
      const full = render(row.messages, row.tools, false);
      const spans = [];
      let cursor = 0;
      for (let i = Math.max(0, row.targetFrom); i < row.messages.length; i++) {
        if (row.messages[i].role !== "assistant") continue;
        const prompt = render(row.messages.slice(0, i), row.tools, true);
        const withIt = render(row.messages.slice(0, i + 1), row.tools, false);
        let text = withIt.slice(prompt.length);
        let cut = -1;
        for (const end of endOfTurn) {
          const at = text.lastIndexOf(end);
          if (at >= 0) cut = Math.max(cut, at + end.length);
        }
        if (cut >= 0) text = text.slice(0, cut);
        const at = full.indexOf(text, cursor);
        if (at < 0) continue;  // skipped, as tracemill's skip_unmatched_targets
        spans.push([at, at + text.length]);
        cursor = at + text.length;
      }
      const encoding = await tokenizer.encode(full, null, { addSpecialTokens: false });
      const ids = encoding.getIds();
      const offsets = encoding.getOffsets();
      let s = 0;
      for (let t = 0; t < ids.length; t++) {
        const [b, e] = offsets[t];
        while (s < spans.length && spans[s][1] <= b) s++;
        if (s < spans.length && spans[s][0] < e && b < spans[s][1]) targets++;
      }
      tokens += ids.length;
    }
  }
  const maskS = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = rows.length * reps;
  console.log(JSON.stringify({ rows: rows.length, render_us_per_row: renderS / n * 1e6,
                               mask_rows_per_s: n / maskS, mask_tokens_per_s: tokens / maskS,
                               tokens_per_row: tokens / n, target_share: targets / tokens }));
}
main().catch((e) => { console.error(e); process.exit(1); });
