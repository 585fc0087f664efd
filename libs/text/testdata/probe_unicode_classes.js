// Prints, as JSON {"L": [...], "M": [...], "N": [...], "P": [...], "S": [...]}, every code
// point that Hugging Face tokenizers' regex engine (Oniguruma, via npm
// @anush008/tokenizers) puts in \p{L}, \p{M}, \p{N}, \p{P} and \p{S}. It asks the real
// engine: a tokenizer whose Split pre-tokenizer removes what is *not* in the class, over
// a text of every code point, one per line. Run from tests/peers (make_unicode_delta.py
// does). Takes about a minute.
"use strict";
const { Tokenizer } = require(require.resolve("@anush008/tokenizers", { paths: [process.cwd()] }));

// GPT-2's byte-to-character alphabet: the vocabulary is the 256 single bytes, no merges.
function byteVocab() {
  const bytes = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) { bytes.push(b); chars.push(256 + n); n++; }
  }
  const vocab = {};
  bytes.forEach((b, i) => { vocab[String.fromCodePoint(chars[i])] = b; });
  return vocab;  // token id == byte value
}

async function main() {
  const codePoints = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if ((cp >= 0xd800 && cp < 0xe000) || cp === 10) continue;
    codePoints.push(cp);
  }
  const text = codePoints.map((c) => String.fromCodePoint(c)).join("\n");
  const vocab = byteVocab();
  const result = {};
  for (const cls of ["L", "M", "N", "P", "S"]) {
    const tokenizer = Tokenizer.fromString(JSON.stringify({
      version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null,
      pre_tokenizer: { type: "Sequence", pretokenizers: [
        { type: "Split", pattern: { Regex: `[^\\p{${cls}}\\n]` }, behavior: "Removed", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false }] },
      post_processor: null, decoder: null,
      model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null,
               end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
    }));
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const kept = Buffer.from(encoding.getIds()).toString("utf8").split("\n");
    if (kept.length !== codePoints.length) throw new Error(`class ${cls}: ${kept.length} lines`);
    result[cls] = codePoints.filter((_, i) => kept[i].length > 0);
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
