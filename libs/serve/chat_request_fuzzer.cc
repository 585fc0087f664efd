// The chat-request checker on any bytes: it must accept or refuse with a reason, never
// crash, and what it accepts must hold what the server relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libs/serve/chat_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  tracemill::serve::ChatRequest request;
  tracemill::serve::RequestError error;
  if (!tracemill::serve::ParseChatRequest(body, &request, &error)) {
    if (error.message.empty() || error.status != 400) std::abort();
    return 0;
  }
  if (!request.messages.is_array() || request.messages.empty()) std::abort();
  for (const auto& m : request.messages) {
    if (!m.is_object() || !m["role"].is_string()) std::abort();
  }
  if (!request.tools.is_null() && !request.tools.is_array()) std::abort();
  if (request.temperature && (*request.temperature < 0 || *request.temperature > 2)) std::abort();
  if (request.max_tokens && *request.max_tokens < 1) std::abort();
  return 0;
}
