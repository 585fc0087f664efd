// libFuzzer target: compiles the input as a chat template and renders it with a small
// conversation. Any input must give a template or an error, never a crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libs/base/json.h"
#include "libs/text/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tracemill::Json* context = new tracemill::Json(tracemill::Json::parse(R"({
    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi <think>"},
                 {"role": "assistant", "content": "<think>r</think>a", "tool_calls":
                  [{"type": "function", "function": {"name": "f", "arguments": {"x": [1, 2.5, null]}}}]},
                 {"role": "tool", "content": "ok"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "add_generation_prompt": true, "enable_thinking": false, "bos_token": "<s>"})"));
  std::string_view source(reinterpret_cast<const char*>(data), size);
  auto tmpl = tracemill::text::ChatTemplate::Compile(source);
  if (tmpl.ok()) (void)tmpl->Render(*context);
  return 0;
}
