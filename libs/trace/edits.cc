#include "libs/trace/edits.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <unordered_set>
#include <utility>

#include "libs/base/str_cat.h"
#include "libs/base/utf8.h"

namespace tracemill::trace {
namespace {

using base::CodePointCount;
using base::CodePointPrefixBytes;

constexpr std::string_view kMarkerPrefix = "\n[Content truncated to ";
constexpr std::string_view kMarkerSuffix = " characters]";
constexpr std::string_view kTokenMarkerSuffix = " tokens]";

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty()) {
    char c = s.back();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') break;
    s.remove_suffix(1);
  }
  return s;
}

std::string TraceName(const Trace& trace) {
  if (!trace.id.empty()) return base::StrCat("trace \"", trace.id, "\"");
  if (!trace.source.empty()) return base::StrCat("trace from ", trace.source);
  return "trace (no id)";
}

bool IsPromptRole(Role role) {
  return role == Role::kSystem || role == Role::kDeveloper || role == Role::kUser;
}

// Indices, ascending, of the tool messages answering the calls of the assistant message
// at `index`: the run of tool messages directly after it (they answer it by position),
// and any later tool message before the next assistant message that names one of its
// call ids.
std::vector<size_t> AnswerIndices(const Trace& trace, size_t index) {
  const Message& assistant = trace.messages[index];
  std::vector<size_t> out;
  if (assistant.role != Role::kAssistant || assistant.tool_calls.empty()) return out;
  std::unordered_set<std::string_view> ids;
  for (const ToolCall& call : assistant.tool_calls) ids.insert(call.id);
  bool in_run = true;
  for (size_t i = index + 1; i < trace.messages.size(); ++i) {
    const Message& m = trace.messages[i];
    if (m.role == Role::kAssistant) break;
    if (m.role != Role::kTool) {
      in_run = false;
      continue;
    }
    if (in_run || ids.count(m.tool_call_id) > 0) out.push_back(i);
  }
  return out;
}

// The error for a request to delete the tool message at `at` on its own.
absl::Status ToolMessageError(const Trace& trace, size_t at) {
  const std::vector<Message>& messages = trace.messages;
  // The call was made by the nearest assistant message before it.
  std::string hint = "delete the assistant message that made the call instead";
  for (size_t i = at; i-- > 0;) {
    if (messages[i].role != Role::kAssistant) continue;
    if (!messages[i].tool_calls.empty()) {
      hint = base::StrCat("delete the assistant message at index ", i,
                          " instead, which takes its tool results with it");
    }
    break;
  }
  return absl::InvalidArgumentError(base::StrCat(
      TraceName(trace), ": message ", at, " is a tool result (tool_call_id \"",
      messages[at].tool_call_id, "\"); deleting it alone would leave its call unanswered; ", hint));
}

void EraseMarked(std::vector<Message>* messages, const std::vector<bool>& drop) {
  size_t kept = 0;
  for (size_t i = 0; i < messages->size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) (*messages)[kept] = std::move((*messages)[i]);
    ++kept;
  }
  messages->resize(kept);
}

// Records `entries` back to front (see edits.h).
void AddReversed(Trace* trace, std::vector<Provenance> entries) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    trace->AddProvenance(std::move(it->op), std::move(it->detail), it->message_index);
  }
}

std::string_view Plural(size_t n, std::string_view one, std::string_view many) {
  return n == 1 ? one : many;
}

// If `text` ends with a truncation marker (in characters or tokens), sets `body` to the
// text before it.
bool SplitMarker(std::string_view text, std::string_view* body) {
  for (std::string_view suffix : {kMarkerSuffix, kTokenMarkerSuffix}) {
    if (text.size() < kMarkerPrefix.size() + 1 + suffix.size()) continue;
    if (!text.ends_with(suffix)) continue;
    size_t prefix = text.rfind(kMarkerPrefix);
    if (prefix == std::string_view::npos) return false;
    size_t digits_begin = prefix + kMarkerPrefix.size();
    size_t digits_end = text.size() - suffix.size();
    if (digits_end <= digits_begin || digits_end - digits_begin > 19) return false;
    size_t n = 0;
    auto res = std::from_chars(text.data() + digits_begin, text.data() + digits_end, n);
    if (res.ec != std::errc() || res.ptr != text.data() + digits_end) return false;
    *body = text.substr(0, prefix);
    return true;
  }
  return false;
}

// How a truncation counts: code points (the reference agent's) or a model's tokens.
struct Measure {
  std::function<size_t(std::string_view)> count;
  std::function<size_t(std::string_view, size_t)> prefix_bytes;  // of the first n units
  std::string marker;
};

Measure CharMeasure(size_t max_chars) {
  return {[](std::string_view s) { return CodePointCount(s); },
          [](std::string_view s, size_t n) { return CodePointPrefixBytes(s, n); },
          TruncationMarker(max_chars)};
}

// Truncates one text; returns false when it is within limits. `*original` is the length
// of the text before any earlier marker.
bool TruncateText(std::string* text, size_t max, const Measure& measure, size_t* original) {
  std::string_view body = *text;
  if (!SplitMarker(*text, &body) && text->size() <= max) return false;  // n units >= 1 byte
  size_t n = measure.count(body);
  if (n <= max) return false;
  *original = n;
  text->resize(measure.prefix_bytes(body, max));
  text->append(measure.marker);
  return true;
}

bool TruncateParts(Json* parts, size_t max, const Measure& measure, size_t* original) {
  std::string joined;
  for (const Json& part : *parts) {
    if (IsTextPart(part)) joined += part["text"].get_ref<const std::string&>();
  }
  std::string_view body = joined;
  SplitMarker(joined, &body);
  size_t total = measure.count(body);
  if (total <= max) return false;
  *original = total;
  Json out = Json::array();
  size_t budget = max;
  bool cut = false;
  for (Json& part : *parts) {
    if (!IsTextPart(part)) {
      out.push_back(std::move(part));
      continue;
    }
    if (cut) continue;
    std::string& text = part["text"].get_ref<std::string&>();
    size_t n = measure.count(text);
    if (n <= budget) {
      budget -= n;
    } else {
      text.resize(measure.prefix_bytes(text, budget));
      text.append(measure.marker);
      cut = true;
    }
    out.push_back(std::move(part));
  }
  *parts = std::move(out);
  return true;
}

int TruncateWith(Trace* trace, size_t max, const Measure& measure, std::string_view unit) {
  int count = 0;
  for (size_t i = 0; i < trace->messages.size(); ++i) {
    Message& m = trace->messages[i];
    if (m.role != Role::kTool) continue;
    size_t original = 0;
    bool changed = false;
    if (m.content) {
      changed = TruncateText(&*m.content, max, measure, &original);
    } else if (m.content_parts.is_array()) {
      changed = TruncateParts(&m.content_parts, max, measure, &original);
    }
    if (!changed) continue;
    trace->AddProvenance(
        "truncate_tool_result",
        base::StrCat("truncated tool result from ", original, " to ", max, " ", unit),
        static_cast<int>(i));
    ++count;
  }
  return count;
}

bool ContributesToMerge(const Message& m) {
  if (m.content) return !m.content->empty();
  if (!m.content_parts.is_array()) return false;
  for (const Json& part : m.content_parts) {
    if (!IsTextPart(part) || !part["text"].get_ref<const std::string&>().empty()) return true;
  }
  return false;
}

// Merges messages [begin, end) into messages[begin].
void MergeRun(std::vector<Message>* messages, size_t begin, size_t end,
              std::string_view separator) {
  std::string pending;
  Json parts = Json::array();
  bool any_contribution = false;
  for (size_t k = begin; k < end; ++k) {
    const Message& m = (*messages)[k];
    if (!ContributesToMerge(m)) continue;
    if (any_contribution) pending.append(separator);
    any_contribution = true;
    if (m.content) {
      pending += *m.content;
      continue;
    }
    for (const Json& part : m.content_parts) {
      if (IsTextPart(part)) {
        pending += part["text"].get_ref<const std::string&>();
        continue;
      }
      if (!pending.empty()) {
        parts.push_back(Json{{"type", "text"}, {"text", std::move(pending)}});
        pending.clear();
      }
      parts.push_back(part);
    }
  }
  Message& merged = (*messages)[begin];
  if (parts.empty()) {
    merged.content = std::move(pending);
    merged.content_parts = Json();
  } else {
    if (!pending.empty()) parts.push_back(Json{{"type", "text"}, {"text", std::move(pending)}});
    merged.content.reset();
    merged.content_parts = std::move(parts);
  }
}

bool IsMergeableUser(const Message& m) { return m.role == Role::kUser && !m.guidance; }

}  // namespace

std::string TruncationMarker(size_t max_chars) {
  return base::StrCat(kMarkerPrefix, max_chars, kMarkerSuffix);
}

std::string TokenTruncationMarker(size_t max_tokens) {
  return base::StrCat(kMarkerPrefix, max_tokens, kTokenMarkerSuffix);
}

int DropGuidance(Trace* trace, const std::vector<std::string>& exact_texts) {
  std::unordered_set<std::string_view> texts;
  for (const std::string& t : exact_texts) {
    std::string_view trimmed = TrimTrailingSpace(t);
    if (!trimmed.empty()) texts.insert(trimmed);
  }
  std::vector<Message>& messages = trace->messages;
  std::vector<bool> drop(messages.size(), false);
  std::vector<Provenance> entries;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (drop[i]) continue;
    std::string reason;
    if (m.guidance) {
      reason = "guidance-marked";
    } else if (IsPromptRole(m.role) && !texts.empty()) {
      std::string text = m.Text();
      if (texts.count(TrimTrailingSpace(text)) > 0) reason = "guidance-text";
    }
    if (reason.empty()) continue;
    drop[i] = true;
    std::string detail = base::StrCat("dropped ", reason, " ", RoleName(m.role), " message (",
                                      CodePointCount(m.Text()), " characters)");
    std::vector<size_t> answers = AnswerIndices(*trace, i);
    for (size_t a : answers) drop[a] = true;
    if (!answers.empty()) {
      base::StrAppend(&detail, " and its ", answers.size(), " tool ",
                      Plural(answers.size(), "result", "results"));
    }
    entries.push_back({"drop_guidance", std::move(detail), static_cast<int>(i)});
  }
  if (entries.empty()) return 0;
  EraseMarked(&messages, drop);
  int count = static_cast<int>(entries.size());
  AddReversed(trace, std::move(entries));
  return count;
}

absl::Status DeleteMessages(Trace* trace, const std::vector<int>& message_indices,
                            const std::vector<int>& user_turns) {
  const std::vector<Message>& messages = trace->messages;
  const size_t size = messages.size();
  // Everything is checked and described against the input before anything is erased.
  std::vector<bool> drop(size, false);
  std::vector<Provenance> entries;
  entries.reserve(message_indices.size() + user_turns.size());
  for (int index : message_indices) {
    if (index < 0 || static_cast<size_t>(index) >= size) {
      return absl::InvalidArgumentError(base::StrCat(TraceName(*trace), ": message index ", index,
                                                     " out of range (", size, " messages)"));
    }
    const size_t at = static_cast<size_t>(index);
    const Message& m = messages[at];
    if (m.role == Role::kTool) return ToolMessageError(*trace, at);
    drop[at] = true;
    std::string detail = base::StrCat("deleted ", RoleName(m.role), " message");
    std::vector<size_t> answers = AnswerIndices(*trace, at);
    for (size_t a : answers) drop[a] = true;
    if (!answers.empty()) {
      base::StrAppend(&detail, " and the ", answers.size(), " tool ",
                      Plural(answers.size(), "result", "results"), " answering its calls");
    }
    entries.push_back({"delete_message", std::move(detail), index});
  }
  std::vector<size_t> user_positions;
  for (size_t i = 0; i < size; ++i) {
    if (messages[i].role == Role::kUser) user_positions.push_back(i);
  }
  const size_t users = user_positions.size();
  for (int turn : user_turns) {
    if (turn < 0 || static_cast<size_t>(turn) >= users) {
      return absl::InvalidArgumentError(base::StrCat(TraceName(*trace), ": user turn ", turn,
                                                     " out of range (", users, " user ",
                                                     Plural(users, "message", "messages"), ")"));
    }
    const size_t t = static_cast<size_t>(turn);
    const size_t begin = user_positions[t];
    const size_t end = t + 1 < users ? user_positions[t + 1] : size;
    for (size_t i = begin; i < end; ++i) drop[i] = true;
    entries.push_back(
        {"delete_user_turn",
         base::StrCat("deleted user turn ", turn, " (", end - begin, " ",
                      Plural(end - begin, "message", "messages"), ", ", begin, "-", end - 1, ")"),
         static_cast<int>(begin)});
  }
  EraseMarked(&trace->messages, drop);
  std::stable_sort(entries.begin(), entries.end(), [](const Provenance& a, const Provenance& b) {
    return a.message_index > b.message_index;
  });
  for (Provenance& entry : entries) {
    trace->AddProvenance(std::move(entry.op), std::move(entry.detail), entry.message_index);
  }
  return absl::OkStatus();
}

absl::Status DeleteMessage(Trace* trace, int index) { return DeleteMessages(trace, {index}, {}); }

absl::Status DeleteUserTurn(Trace* trace, int turn) { return DeleteMessages(trace, {}, {turn}); }

int MergeConsecutiveUserTurns(Trace* trace, std::string_view separator) {
  std::vector<Message>& messages = trace->messages;
  std::vector<bool> drop(messages.size(), false);
  std::vector<Provenance> entries;
  for (size_t i = 0; i < messages.size();) {
    size_t j = i + 1;
    if (IsMergeableUser(messages[i])) {
      while (j < messages.size() && IsMergeableUser(messages[j])) ++j;
    }
    if (j - i > 1) {
      MergeRun(&messages, i, j, separator);
      for (size_t k = i + 1; k < j; ++k) drop[k] = true;
      entries.push_back(
          {"merge_user_turns",
           base::StrCat("merged ", j - i, " consecutive user messages (", i, "-", j - 1, ")"),
           static_cast<int>(i)});
    }
    i = j;
  }
  if (entries.empty()) return 0;
  EraseMarked(&messages, drop);
  int count = static_cast<int>(entries.size());
  AddReversed(trace, std::move(entries));
  return count;
}

int DropReasoning(Trace* trace) {
  std::vector<Provenance> entries;
  for (size_t i = 0; i < trace->messages.size(); ++i) {
    Message& m = trace->messages[i];
    if (m.role != Role::kAssistant) continue;
    size_t chars = 0;
    bool changed = false;
    if (m.reasoning_content.has_value()) {
      chars += m.reasoning_content->size();
      m.reasoning_content.reset();
      changed = true;
    }
    if (auto it = m.extra.find("reasoning"); it != m.extra.end()) {
      if (it->is_string()) chars += it->get_ref<const std::string&>().size();
      m.extra.erase(it);
      changed = true;
    }
    if (m.content.has_value()) {
      const std::string& text = *m.content;
      const size_t open = text.find_first_not_of(" \t\r\n");
      if (open != std::string::npos && text.compare(open, 7, "<think>") == 0) {
        const size_t close = text.find("</think>", open);
        if (close != std::string::npos) {
          size_t rest = text.find_first_not_of(" \t\r\n", close + 8);
          if (rest == std::string::npos) rest = text.size();
          chars += close + 8 - open;
          m.content = text.substr(rest);
          changed = true;
        }
      }
    }
    if (changed) {
      entries.push_back({"drop_reasoning", base::StrCat("dropped ", chars, " bytes of reasoning"),
                         static_cast<int>(i)});
    }
  }
  const int count = static_cast<int>(entries.size());
  AddReversed(trace, std::move(entries));
  return count;
}

int TruncateToolResults(Trace* trace, size_t max_chars) {
  if (max_chars == 0) return 0;
  return TruncateWith(trace, max_chars, CharMeasure(max_chars), "characters");
}

int TruncateToolResultsToTokens(Trace* trace, size_t max_tokens, const TokenCounter& tokens) {
  if (max_tokens == 0 || !tokens.count || !tokens.prefix_bytes) return 0;
  return TruncateWith(trace, max_tokens,
                      {tokens.count, tokens.prefix_bytes, TokenTruncationMarker(max_tokens)},
                      "tokens");
}

}  // namespace tracemill::trace
