#include "libs/text/trace_tokens.h"

#include <utility>
#include <vector>

#include "libs/base/status_macros.h"
#include "libs/base/utf8.h"
#include "libs/text/normalizer.h"
#include "libs/trace/unroll.h"

namespace tracemill::text {
namespace {

size_t TokenPrefixBytes(const Tokenizer& tokenizer, std::string_view text, size_t n) {
  const bool exact = base::IsValidUtf8(text) &&
                     (!tokenizer.normalizes_nfc() || NfcNormalize(text) == text);
  if (exact) {
    std::vector<int32_t> ids = tokenizer.Encode(text);
    if (ids.size() <= n) return text.size();
    std::string bytes;
    for (size_t i = 0; i < n; ++i) tokenizer.AppendTokenBytes(ids[i], &bytes);
    // A token may end inside a character: back off to its start.
    return base::CutUtf8(text, bytes.size()).size();
  }
  // Binary search over code-point prefixes: the longest with at most n tokens.
  size_t lo = 0, hi = base::CodePointCount(text);
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    std::string_view prefix = text.substr(0, base::CodePointPrefixBytes(text, mid));
    if (tokenizer.Encode(prefix).size() <= n) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return base::CodePointPrefixBytes(text, lo);
}

}  // namespace

Json TraceAsRow(const trace::Trace& trace) {
  trace::Row row;
  row.messages = trace.messages;
  Json published = trace::RowToDatasetJson(row, trace::ToolsJsonString(trace.tools));
  Json out = Json::object();
  out["messages"] = std::move(published["messages"]);
  auto tools = base::ParseJson(published["tools"].get<std::string>(), "tools");
  out["tools"] = tools.ok() ? std::move(*tools) : Json::array();
  return out;
}

absl::StatusOr<size_t> CountTraceTokens(const ChatFormat& format, const trace::Trace& trace) {
  Json row = TraceAsRow(trace);
  return format.CountTokens(row["messages"], row["tools"]);
}

trace::TokenCounter MakeTokenCounter(std::shared_ptr<const ChatFormat> format) {
  trace::TokenCounter counter;
  counter.count = [format](std::string_view text) {
    return format->tokenizer().Encode(text).size();
  };
  counter.prefix_bytes = [format](std::string_view text, size_t n) {
    return TokenPrefixBytes(format->tokenizer(), text, n);
  };
  return counter;
}

void BindTokenRules(std::shared_ptr<const ChatFormat> format, trace::CurateOptions* options) {
  options->tokens = MakeTokenCounter(format);
  options->count_trace_tokens = [format](const trace::Trace& trace) {
    return CountTraceTokens(*format, trace);
  };
}

}  // namespace tracemill::text
