// Endpoint replies on any bytes: each line as a stream chunk, and the whole input as a
// non-streamed reply, then the Hermes pass. Must never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libs/llm/chat_stream.h"
#include "libs/llm/openai_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tracemill::llm::ChatStreamAssembler a;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    (void)a.AddChunk(text.substr(pos, end - pos));
    pos = end + 1;
  }
  (void)a.message();
  auto r = tracemill::llm::ParseChatCompletion(text);
  if (r.ok()) tracemill::llm::ApplyHermes(tracemill::llm::HermesMode::kOn, &*r);
  return 0;
}
