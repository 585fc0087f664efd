#include "libs/llm/chat_stream.h"

#include "libs/base/json.h"
#include "libs/base/str_cat.h"

namespace tracemill::llm {
namespace {

const std::string* StringAt(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

}  // namespace

void ReadUsage(const Json& usage, trace::Usage* out) {
  if (!usage.is_object()) return;
  auto num = [&usage](const char* key) -> int64_t {
    auto it = usage.find(key);
    return it != usage.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  out->prompt_tokens = num("prompt_tokens");
  out->completion_tokens = num("completion_tokens");
  out->total_tokens = num("total_tokens");
}

absl::Status ChatStreamAssembler::AddChunk(std::string_view json_text) {
  const int n = ++chunks_;
  auto parsed = base::ParseJson(json_text, base::StrCat("stream chunk ", n));
  if (!parsed.ok()) return parsed.status();
  const Json& chunk = *parsed;
  if (!chunk.is_object()) {
    return absl::InvalidArgumentError(base::StrCat("stream chunk ", n, ": not a JSON object"));
  }
  if (auto u = chunk.find("usage"); u != chunk.end() && u->is_object()) {
    ReadUsage(*u, &usage_);
    has_usage_ = true;
  }
  auto choices = chunk.find("choices");
  if (choices == chunk.end()) return absl::OkStatus();
  if (!choices->is_array()) {
    return absl::InvalidArgumentError(base::StrCat("stream chunk ", n, ": \"choices\" is not an array"));
  }
  for (const Json& choice : *choices) {
    if (!choice.is_object()) continue;
    if (auto idx = choice.find("index"); idx != choice.end() && idx->is_number() && idx->get<int>() != 0) {
      continue;  // only the first choice (n = 1)
    }
    if (const std::string* fr = StringAt(choice, "finish_reason")) finish_reason_ = *fr;
    auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) continue;
    if (const std::string* c = StringAt(*delta, "content")) {
      content_ += *c;
      has_content_ = true;
    }
    // Current vLLM says "reasoning", older servers "reasoning_content".
    const std::string* r = StringAt(*delta, "reasoning");
    if (r == nullptr) r = StringAt(*delta, "reasoning_content");
    if (r != nullptr) {
      reasoning_ += *r;
      has_reasoning_ = true;
    }
    auto tcs = delta->find("tool_calls");
    if (tcs == delta->end() || !tcs->is_array()) continue;
    for (const Json& tc : *tcs) {
      if (!tc.is_object()) continue;
      int index = 0;
      if (auto i = tc.find("index"); i != tc.end() && i->is_number_integer()) index = i->get<int>();
      const std::string* id = StringAt(tc, "id");
      // The call this fragment continues: the last one with this index, unless the
      // fragment brings a new id.
      Call* call = nullptr;
      for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
        if (it->index == index) {
          call = &*it;
          break;
        }
      }
      if (call == nullptr || (id != nullptr && !id->empty() && !call->id.empty() && *id != call->id)) {
        calls_.push_back({.index = index});
        call = &calls_.back();
      }
      if (id != nullptr && !id->empty()) call->id = *id;
      if (const std::string* type = StringAt(tc, "type")) call->type = *type;
      if (auto fn = tc.find("function"); fn != tc.end() && fn->is_object()) {
        // Servers send the name once, a few in pieces, a few again in every fragment.
        if (const std::string* name = StringAt(*fn, "name"); name != nullptr && *name != call->name) {
          call->name += *name;
        }
        if (const std::string* args = StringAt(*fn, "arguments")) call->arguments += *args;
      }
    }
  }
  return absl::OkStatus();
}

trace::Message ChatStreamAssembler::message() const {
  trace::Message m;
  m.role = trace::Role::kAssistant;
  if (has_content_) m.content = content_;
  if (has_reasoning_) m.reasoning_content = reasoning_;
  for (const Call& c : calls_) {
    trace::ToolCall tc;
    tc.id = c.id;
    tc.type = c.type;
    tc.name = c.name;
    tc.arguments = c.arguments;
    m.tool_calls.push_back(std::move(tc));
  }
  return m;
}

}  // namespace tracemill::llm
