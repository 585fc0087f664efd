#include "libs/trace/gates.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/trace/json_schema.h"

namespace tracemill::trace {
namespace {

using base::StrAppend;
using base::StrCat;

// How many schema violations one schema_violation finding lists.
constexpr size_t kMaxViolationsListed = 5;
// How much of a tool result or parse error a message quotes.
constexpr size_t kMaxQuote = 120;
constexpr size_t kMaxParseError = 240;
// A stringified JSON-RPC error longer than this is not one.
constexpr size_t kMaxRpcErrorText = 64 * 1024;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

// The message text without copying when it is plain `content`; parts are joined into
// `scratch` (as Message::Text() does).
std::string_view TextOf(const Message& m, std::string* scratch) {
  if (m.content) return *m.content;
  *scratch = m.Text();
  return *scratch;
}

bool HasText(const Message& m) {
  if (m.content) return !IsBlank(*m.content);
  if (!m.content_parts.is_array()) return false;
  std::string scratch;
  return !IsBlank(TextOf(m, &scratch));
}

// `text` on one line, cut to about `max` bytes (on a UTF-8 boundary).
std::string Snippet(std::string_view text, size_t max = kMaxQuote) {
  std::string out;
  bool space = false;
  for (char c : Trim(text)) {
    if (IsSpace(c)) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    if (out.size() >= max && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      out += "...";
      return out;
    }
    out.push_back(c);
  }
  return out;
}

bool ExtraFlag(const Json& extra, const char* key) {
  if (!extra.is_object()) return false;
  auto it = extra.find(key);
  return it != extra.end() && it->is_boolean() && it->get<bool>();
}

// "Tool <name> not found": the reference agent's text and the MCP TypeScript SDK's.
bool IsToolNotFoundText(std::string_view text) {
  constexpr std::string_view kPrefix = "Tool ";
  constexpr std::string_view kSuffix = " not found";
  return text.size() > kPrefix.size() + kSuffix.size() && text.size() <= 512 &&
         text.starts_with(kPrefix) && text.ends_with(kSuffix) &&
         text.find('\n') == std::string_view::npos;
}

// Parses an optionally signed decimal integer at the start of `s`; advances `s`.
bool ConsumeInt(std::string_view* s, int64_t* value) {
  size_t i = 0;
  bool negative = false;
  if (i < s->size() && (*s)[i] == '-') {
    negative = true;
    ++i;
  }
  size_t digits_start = i;
  int64_t v = 0;
  while (i < s->size() && (*s)[i] >= '0' && (*s)[i] <= '9' && i - digits_start < 18) {
    v = v * 10 + ((*s)[i] - '0');
    ++i;
  }
  if (i == digits_start) return false;
  *value = negative ? -v : v;
  s->remove_prefix(i);
  return true;
}

// True if `text` is, as a whole, a JSON-RPC error object: JSON with keys among code,
// message and data (negative integer code, string message), or the Python repr of one
// ({'code': -32000, 'message': '...'}). Sets *code and *message.
bool ParseRpcError(std::string_view text, int64_t* code, std::string* message) {
  if (text.size() < 2 || text.size() > kMaxRpcErrorText || text.front() != '{' ||
      text.back() != '}') {
    return false;
  }
  std::string_view body = Trim(text.substr(1));
  if (body.starts_with("\"")) {
    absl::StatusOr<Json> parsed = base::ParseJson(text, "tool result");
    if (!parsed.ok() || !parsed->is_object()) return false;
    const Json& json = *parsed;
    auto c = json.find("code");
    auto m = json.find("message");
    if (c == json.end() || m == json.end() || !c->is_number_integer() || !m->is_string()) {
      return false;
    }
    for (auto it = json.begin(); it != json.end(); ++it) {
      if (it.key() != "code" && it.key() != "message" && it.key() != "data") return false;
    }
    *code = c->get<int64_t>();
    *message = m->get<std::string>();
    return *code < 0;
  }
  // Python's str() of the error dict keeps the JSON key order: code first.
  if (!body.starts_with("'code':")) return false;
  body.remove_prefix(7);
  body = Trim(body);
  if (!ConsumeInt(&body, code) || *code >= 0) return false;
  body = Trim(body);
  if (!body.starts_with(",")) return false;
  body = Trim(body.substr(1));
  if (!body.starts_with("'message':")) return false;
  body = Trim(body.substr(10));
  if (body.empty() || (body[0] != '\'' && body[0] != '"')) return false;
  // The message literal, up to its closing quote (escapes are kept as written).
  const char quote = body[0];
  message->clear();
  for (size_t i = 1; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      message->push_back(body[++i]);
    } else if (body[i] == quote) {
      break;
    } else {
      message->push_back(body[i]);
    }
  }
  return true;
}

// `line` starts with "Error:" or a JS error name such as "TimeoutError:".
bool StartsWithErrorName(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 40 &&
         ((line[i] >= 'a' && line[i] <= 'z') || (line[i] >= 'A' && line[i] <= 'Z'))) {
    ++i;
  }
  return i < line.size() && line[i] == ':' && line.substr(0, i).ends_with("Error");
}

// Playwright MCP marks failures with a leading "### Error" section (newer versions) or an
// "### Result" section whose text is the thrown error (older versions).
bool IsPlaywrightError(std::string_view text) {
  constexpr std::string_view kErrorHeading = "### Error";
  if (text.starts_with(kErrorHeading) &&
      (text.size() == kErrorHeading.size() || IsSpace(text[kErrorHeading.size()]))) {
    return true;
  }
  constexpr std::string_view kResultHeading = "### Result";
  size_t pos = 0;
  while (true) {
    pos = text.find(kResultHeading, pos);
    if (pos == std::string_view::npos) return false;
    size_t end = pos + kResultHeading.size();
    bool at_line_start = pos == 0 || text[pos - 1] == '\n';
    bool line_ends = end == text.size() || text[end] == '\n' || text[end] == '\r';
    if (at_line_start && line_ends) {
      return StartsWithErrorName(Trim(text.substr(end)));
    }
    pos = end;
  }
}

const char* ErrorKindOf(std::string_view text) {
  if (text == "User rejected tool call.") return "rejected";
  if (text == "No response") return "transport";
  if (IsToolNotFoundText(text)) return "not_found";
  std::string_view body = text;
  if (body.starts_with("Error:")) body = Trim(body.substr(6));
  int64_t code = 0;
  std::string rpc_message;
  if (ParseRpcError(body, &code, &rpc_message)) {
    if (code == -32601 || IsToolNotFoundText(rpc_message) ||
        rpc_message.starts_with("Unknown tool")) {
      return "not_found";
    }
    return "transport";
  }
  if (text.starts_with("Error:") || text.starts_with("Error executing tool")) {
    return "tool_reported_error";
  }
  if (IsPlaywrightError(text)) return "tool_reported_error";
  return nullptr;
}

// ---- RunGates ----

struct CallRecord {
  const ToolCall* call;
  int message_index;
  int step;  // index of the assistant message that made the call
  int results = 0;
};

class GateRunner {
 public:
  GateRunner(const Trace& trace, const GateOptions& options) : trace_(trace), options_(options) {}

  std::vector<Finding> Run();

 private:
  void Add(Gate gate, const char* check, int index, std::string message, std::string kind = "") {
    findings_.push_back({gate, check, std::move(message), index, std::move(kind)});
  }

  static std::string CallLabel(int index, size_t position, const ToolCall& call) {
    std::string label = StrCat("messages[", index, "]: tool call ");
    if (call.id.empty()) {
      StrAppend(&label, "#", position);
    } else {
      label += call.id;
    }
    StrAppend(&label, " (", call.name, ")");
    return label;
  }

  std::string ResultLabel(int index, const Message& m, const CallRecord* record) const {
    std::string label = StrCat("messages[", index, "]: tool result");
    if (!m.tool_call_id.empty()) StrAppend(&label, " for call ", m.tool_call_id);
    const std::string& name = record != nullptr ? record->call->name : m.name;
    if (!name.empty()) StrAppend(&label, " (", name, ")");
    return label;
  }

  void CheckAssistant(int index, const Message& m);
  void CheckToolCallFormat(int index, size_t position, const ToolCall& call);
  void CheckToolMessage(int index, const Message& m);
  void CheckOutcome();

  const Trace& trace_;
  const GateOptions& options_;
  std::vector<Finding> findings_;
  std::unordered_map<std::string_view, const ToolDef*> tools_;
  std::vector<CallRecord> calls_;
  // Call id -> index into calls_ of the most recent call with that id.
  std::unordered_map<std::string_view, size_t> call_by_id_;
  int current_step_ = -1;  // assistant message whose results may follow; -1 after a user turn
};

std::vector<Finding> GateRunner::Run() {
  const std::vector<Message>& messages = trace_.messages;
  if (messages.empty()) {
    Add(Gate::kStructure, "empty_trace", -1, "trace has no messages");
  }
  tools_.reserve(trace_.tools.size());
  for (const ToolDef& tool : trace_.tools) tools_.emplace(tool.name, &tool);

  bool conversation_started = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const int index = static_cast<int>(i);
    const Message& m = messages[i];
    if (m.role == Role::kSystem || m.role == Role::kDeveloper) {
      if (conversation_started) {
        Add(Gate::kStructure, "system_not_first", index,
            StrCat("messages[", index, "]: ", RoleName(m.role),
                   " message after the conversation started"));
      }
      continue;
    }
    if (!conversation_started) {
      conversation_started = true;
      if (m.role != Role::kUser) {
        Add(Gate::kStructure, "first_turn_not_user", index,
            StrCat("messages[", index, "]: first turn has role ", RoleName(m.role),
                   ", expected user"));
      }
    }
    switch (m.role) {
      case Role::kUser:
        current_step_ = -1;
        break;
      case Role::kAssistant:
        current_step_ = index;
        CheckAssistant(index, m);
        break;
      case Role::kTool:
        CheckToolMessage(index, m);
        break;
      default:
        break;
    }
  }
  for (const CallRecord& record : calls_) {
    if (record.results == 0) {
      Add(Gate::kStructure, "missing_tool_result", record.message_index,
          StrCat("messages[", record.message_index, "]: tool call ", record.call->id, " (",
                 record.call->name, ") has no tool result"));
    }
  }
  CheckOutcome();

  std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
    int ia = a.message_index < 0 ? INT_MAX : a.message_index;
    int ib = b.message_index < 0 ? INT_MAX : b.message_index;
    if (ia != ib) return ia < ib;
    return static_cast<int>(a.gate) < static_cast<int>(b.gate);
  });
  return std::move(findings_);
}

void GateRunner::CheckAssistant(int index, const Message& m) {
  if (m.tool_calls.empty() && !HasText(m) &&
      (!m.reasoning_content || IsBlank(*m.reasoning_content))) {
    Add(Gate::kStructure, "empty_assistant_message", index,
        StrCat("messages[", index, "]: assistant message has no content, reasoning or tool calls"));
  }
  for (size_t j = 0; j < m.tool_calls.size(); ++j) {
    const ToolCall& call = m.tool_calls[j];
    if (call.id.empty()) {
      Add(Gate::kStructure, "empty_tool_call_id", index,
          StrCat(CallLabel(index, j, call), ": empty tool call id"));
    } else {
      auto [it, inserted] = call_by_id_.try_emplace(call.id, calls_.size());
      if (!inserted) {
        Add(Gate::kStructure, "duplicate_tool_call_id", index,
            StrCat(CallLabel(index, j, call), ": call id already used at messages[",
                   calls_[it->second].message_index, "]"));
        it->second = calls_.size();
      }
      calls_.push_back({&call, index, index});
    }
    CheckToolCallFormat(index, j, call);
  }
}

void GateRunner::CheckToolCallFormat(int index, size_t position, const ToolCall& call) {
  Json arguments;
  bool parsed = false;
  if (IsBlank(call.arguments)) {
    arguments = Json::object();
    parsed = true;
  } else {
    absl::StatusOr<Json> json = base::ParseJson(call.arguments, "arguments");
    if (json.ok()) {
      arguments = *std::move(json);
      parsed = true;
    } else {
      std::string reason = Snippet(std::string(json.status().message()), kMaxParseError);
      Add(Gate::kFormat, "arguments_not_json", index,
          StrCat(CallLabel(index, position, call), ": ", reason));
    }
  }
  if (parsed && !arguments.is_object()) {
    Add(Gate::kFormat, "arguments_not_object", index,
        StrCat(CallLabel(index, position, call), ": arguments are a JSON ", arguments.type_name(),
               ", expected an object"));
  }
  auto tool = tools_.find(call.name);
  if (tool == tools_.end()) {
    Add(Gate::kFormat, "unknown_tool", index,
        StrCat(CallLabel(index, position, call), ": unknown tool \"", call.name, "\" (",
               trace_.tools.empty()
                   ? std::string("the trace lists no tools")
                   : StrCat("not among the trace's ", trace_.tools.size(), " tools"),
               ")"));
    return;
  }
  if (!options_.check_schema || !parsed || !arguments.is_object()) return;
  const Json* schema = tool->second->parameters();
  if (schema == nullptr || schema->is_null()) return;
  std::vector<SchemaViolation> violations =
      ValidateJsonSchema(*schema, arguments, kMaxViolationsListed + 1);
  if (violations.empty()) return;
  std::string message = StrCat(CallLabel(index, position, call), ": ");
  for (size_t k = 0; k < violations.size() && k < kMaxViolationsListed; ++k) {
    if (k > 0) message += "; ";
    if (violations[k].path == "$") {
      message += violations[k].message;
    } else {
      message += violations[k].ToString();
    }
  }
  if (violations.size() > kMaxViolationsListed) message += "; ...";
  Add(Gate::kFormat, "schema_violation", index, std::move(message));
}

void GateRunner::CheckToolMessage(int index, const Message& m) {
  const CallRecord* record = nullptr;
  CallRecord* mutable_record = nullptr;
  if (!m.tool_call_id.empty()) {
    auto it = call_by_id_.find(m.tool_call_id);
    if (it != call_by_id_.end()) {
      mutable_record = &calls_[it->second];
      record = mutable_record;
    }
  }

  std::string kind;
  if (IsToolErrorResult(m, &kind)) {
    std::string scratch;
    Add(Gate::kExecution, "tool_error", index,
        StrCat(ResultLabel(index, m, record), ": tool error (", kind,
               "): ", Snippet(TextOf(m, &scratch))),
        kind);
  }

  if (m.tool_call_id.empty()) {
    Add(Gate::kStructure, "empty_tool_call_id", index,
        StrCat("messages[", index, "]: tool message has an empty tool_call_id"));
    return;
  }
  if (mutable_record == nullptr) {
    Add(Gate::kStructure, "orphan_tool_message", index,
        StrCat(ResultLabel(index, m, nullptr), ": matches no earlier tool call"));
    return;
  }
  ++mutable_record->results;
  if (mutable_record->results > 1) {
    Add(Gate::kStructure, "duplicate_tool_result", index,
        StrCat(ResultLabel(index, m, record), ": call already has a tool result"));
  } else if (mutable_record->step != current_step_) {
    Add(Gate::kStructure, "misplaced_tool_result", index,
        StrCat(ResultLabel(index, m, record), ": answers a call made at messages[",
               mutable_record->message_index,
               "], but a later assistant or user message comes in between"));
  }
}

void GateRunner::CheckOutcome() {
  const std::vector<Message>& messages = trace_.messages;
  if (!messages.empty()) {
    const int last = static_cast<int>(messages.size()) - 1;
    const Message& m = messages.back();
    if (m.role == Role::kTool) {
      Add(Gate::kOutcome, "dangling_tool_call", last,
          StrCat("messages[", last, "]: trace ends with a tool result, not an assistant answer"));
    } else if (m.role == Role::kAssistant && !m.tool_calls.empty()) {
      Add(Gate::kOutcome, "dangling_tool_call", last,
          StrCat("messages[", last, "]: trace ends with an assistant message calling ",
                 m.tool_calls.size() == 1
                     ? StrCat("tool call ", m.tool_calls[0].id, " (", m.tool_calls[0].name, ")")
                     : StrCat(m.tool_calls.size(), " tools")));
    } else if (m.role != Role::kAssistant) {
      Add(Gate::kOutcome, "no_final_answer", last,
          StrCat("messages[", last, "]: trace ends with a ", RoleName(m.role),
                 " message, not an assistant answer"));
    } else if (!HasText(m)) {
      Add(Gate::kOutcome, "no_final_answer", last,
          StrCat("messages[", last, "]: final assistant message has no content text"));
    }
  }
  const std::string& status = trace_.outcome.status;
  if (status == "failure" || status == "error" || status == "aborted" || status == "incomplete") {
    std::string message = StrCat("outcome status is \"", status, "\"");
    if (!trace_.outcome.detail.empty()) StrAppend(&message, ": ", Snippet(trace_.outcome.detail));
    Add(Gate::kOutcome, "outcome_failed", -1, std::move(message));
  }
}

}  // namespace

std::string_view GateName(Gate gate) {
  switch (gate) {
    case Gate::kStructure:
      return "structure";
    case Gate::kFormat:
      return "format";
    case Gate::kExecution:
      return "execution";
    case Gate::kOutcome:
      return "outcome";
  }
  return "unknown";
}

bool IsToolErrorResult(const Message& tool_message, std::string* kind) {
  if (tool_message.role != Role::kTool) return false;
  const char* found = nullptr;
  if (ExtraFlag(tool_message.extra, "is_error") || ExtraFlag(tool_message.extra, "isError")) {
    found = "is_error";
  } else {
    std::string scratch;
    found = ErrorKindOf(Trim(TextOf(tool_message, &scratch)));
  }
  if (found == nullptr) return false;
  if (kind != nullptr) *kind = found;
  return true;
}

std::vector<Finding> RunGates(const Trace& trace, const GateOptions& options) {
  return GateRunner(trace, options).Run();
}

}  // namespace tracemill::trace
