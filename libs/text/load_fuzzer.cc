// libFuzzer target for Tokenizer::FromJson on arbitrary bytes: a bad tokenizer.json is
// an error status, never a crash; one that loads must encode and decode.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libs/text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto tok = tracemill::text::Tokenizer::FromJson(json, "fuzz.json");
  if (!tok.ok()) {
    if (tok.status().message().empty()) std::abort();
    return 0;
  }
  std::vector<int32_t> ids = (*tok)->Encode("ab ab <|x|> a\xff b \xe4\xb8\x80");
  for (int32_t id : ids) {
    if (id < 0 || id >= (*tok)->vocab_size()) std::abort();
  }
  (*tok)->Decode(ids);
  (*tok)->Decode({-1, 0, 1, 1 << 30});
  return 0;
}
