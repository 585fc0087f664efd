#include "libs/eval/eval_task.h"

#include <cctype>
#include <regex>
#include <set>

#include "absl/status/status.h"
#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/eval/turn_score.h"

namespace tracemill::eval {
namespace {

// std::regex recurses per character; longer texts are not matched (a failed check).
constexpr size_t kMaxRegexInput = 65536;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '/';
}

// The numbers that stand alone in `text` (see the header), without leading zeros.
std::set<std::string> StandaloneNumbers(std::string_view text) {
  std::set<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    const bool left = i == 0 || (!NameChar(text[i - 1]) && text[i - 1] != '.');
    bool right = j == text.size() || !NameChar(text[j]);
    if (right && j < text.size() && (text[j] == '.' || text[j] == ',') && j + 1 < text.size() &&
        std::isalnum(static_cast<unsigned char>(text[j + 1]))) {
      right = false;  // "4.txt", "4.5", "4,000"
    }
    if (left && right) {
      std::string_view n = text.substr(i, j - i);
      while (n.size() > 1 && n.front() == '0') n.remove_prefix(1);
      out.insert(std::string(n));
    }
    i = j;
  }
  return out;
}

absl::StatusOr<std::regex> CompileRegex(const std::string& pattern, std::string_view at) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(base::StrCat(at, ": invalid regex \"", pattern, "\": ", e.what()));
  }
}

bool RegexSearch(const std::string& pattern, std::string_view text) {
  if (text.size() > kMaxRegexInput) return false;
  auto re = CompileRegex(pattern, "");
  if (!re.ok()) return false;
  try {
    return std::regex_search(text.begin(), text.end(), *re);
  } catch (const std::regex_error&) {
    return false;  // e.g. error_complexity
  }
}

// A constraint on one argument (see the header).
bool MeetsConstraint(const Json& want, const Json& got) {
  if (want.is_object() && want.size() == 1) {
    const auto& [key, value] = *want.items().begin();
    if (key == "equals") return value == got;
    if (key == "contains") {
      return got.is_string() && value.is_string() &&
             got.get<std::string>().find(value.get<std::string>()) != std::string::npos;
    }
    if (key == "regex") return got.is_string() && value.is_string() && RegexSearch(value.get<std::string>(), got.get<std::string>());
  }
  return want == got;
}

absl::Status ValidateConstraint(const Json& c, std::string_view at) {
  if (!c.is_object() || c.size() != 1) return absl::OkStatus();  // a literal
  const auto& [key, value] = *c.items().begin();
  if (key == "contains" && !value.is_string()) {
    return absl::InvalidArgumentError(base::StrCat(at, ": \"contains\" needs a string"));
  }
  if (key == "regex") {
    if (!value.is_string()) return absl::InvalidArgumentError(base::StrCat(at, ": \"regex\" needs a string"));
    return CompileRegex(value.get<std::string>(), at).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<AnswerCheck> ParseAnswerCheck(const Json& j, std::string_view at) {
  if (!j.is_object() || j.size() != 1) {
    return absl::InvalidArgumentError(
        base::StrCat(at, ": an answer check is one of {\"contains\": S}, {\"equals\": S}, {\"regex\": R}, {\"number\": N}"));
  }
  const auto& [key, value] = *j.items().begin();
  AnswerCheck c;
  if (key == "number") {
    if (!value.is_number_integer() || value.get<int64_t>() < 0) {
      return absl::InvalidArgumentError(base::StrCat(at, ": \"number\" needs a non-negative integer"));
    }
    c.kind = AnswerCheck::Kind::kNumber;
    c.value = std::to_string(value.get<int64_t>());
    return c;
  }
  if (!value.is_string() || value.get<std::string>().empty()) {
    return absl::InvalidArgumentError(base::StrCat(at, ": \"", key, "\" needs a non-empty string"));
  }
  c.value = value.get<std::string>();
  if (key == "contains") {
    c.kind = AnswerCheck::Kind::kContains;
  } else if (key == "equals") {
    c.kind = AnswerCheck::Kind::kEquals;
  } else if (key == "regex") {
    c.kind = AnswerCheck::Kind::kRegex;
    TM_RETURN_IF_ERROR(CompileRegex(c.value, at).status());
  } else {
    return absl::InvalidArgumentError(base::StrCat(at, ": unknown answer check \"", key, "\""));
  }
  return c;
}

absl::StatusOr<EvalTask> ParseTask(const Json& j, const std::string& at) {
  if (!j.is_object()) return absl::InvalidArgumentError(base::StrCat(at, ": a task is a JSON object"));
  EvalTask t;
  for (const auto& [key, value] : j.items()) {
    const std::string where = base::StrCat(at, ": \"", key, "\"");
    if (key == "id" || key == "prompt" || key == "family") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return absl::InvalidArgumentError(base::StrCat(where, " must be a non-empty string"));
      }
      (key == "id" ? t.id : key == "prompt" ? t.prompt : t.family) = value.get<std::string>();
    } else if (key == "answer") {
      const Json list = value.is_array() ? value : Json::array({value});
      for (size_t i = 0; i < list.size(); ++i) {
        TM_ASSIGN_OR_RETURN(AnswerCheck c, ParseAnswerCheck(list[i], base::StrCat(where, "[", i, "]")));
        t.answer.push_back(std::move(c));
      }
    } else if (key == "files") {
      if (!value.is_array()) return absl::InvalidArgumentError(base::StrCat(where, " must be a list"));
      for (size_t i = 0; i < value.size(); ++i) {
        const Json& f = value[i];
        const std::string fat = base::StrCat(where, "[", i, "]");
        if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || f["path"].get<std::string>().empty() ||
            f.size() != 2 || !(f.contains("equals") || f.contains("contains"))) {
          return absl::InvalidArgumentError(
              base::StrCat(fat, ": a file check is {\"path\": P, \"equals\": S} or {\"path\": P, \"contains\": S}"));
        }
        const bool exact = f.contains("equals");
        const Json& text = exact ? f["equals"] : f["contains"];
        if (!text.is_string()) return absl::InvalidArgumentError(base::StrCat(fat, ": the expected text must be a string"));
        t.files.push_back({f["path"].get<std::string>(), text.get<std::string>(), exact});
      }
    } else if (key == "calls") {
      if (!value.is_array()) return absl::InvalidArgumentError(base::StrCat(where, " must be a list"));
      for (size_t i = 0; i < value.size(); ++i) {
        const Json& c = value[i];
        const std::string cat = base::StrCat(where, "[", i, "]");
        if (!c.is_object() || !c.contains("name")) {
          return absl::InvalidArgumentError(base::StrCat(cat, ": an expected call is {\"name\": N, \"arguments\": {...}}"));
        }
        ExpectedCall call;
        const Json names = c["name"].is_array() ? c["name"] : Json::array({c["name"]});
        for (const Json& n : names) {
          if (!n.is_string() || n.get<std::string>().empty()) {
            return absl::InvalidArgumentError(base::StrCat(cat, ".name: tool names are non-empty strings"));
          }
          call.names.push_back(n.get<std::string>());
        }
        if (call.names.empty()) return absl::InvalidArgumentError(base::StrCat(cat, ".name: no tool name"));
        for (const auto& [ckey, cvalue] : c.items()) {
          if (ckey != "name" && ckey != "arguments") {
            return absl::InvalidArgumentError(base::StrCat(cat, ": unknown key \"", ckey, "\""));
          }
        }
        if (c.contains("arguments")) {
          if (!c["arguments"].is_object()) {
            return absl::InvalidArgumentError(base::StrCat(cat, ".arguments must be an object"));
          }
          for (const auto& [arg, constraint] : c["arguments"].items()) {
            TM_RETURN_IF_ERROR(ValidateConstraint(constraint, base::StrCat(cat, ".arguments.", arg)));
          }
          call.arguments = c["arguments"];
        }
        t.calls.push_back(std::move(call));
      }
    } else if (key == "allow_echo" || key == "require_calls") {
      if (!value.is_boolean()) return absl::InvalidArgumentError(base::StrCat(where, " must be true or false"));
      (key == "allow_echo" ? t.allow_echo : t.require_calls) = value.get<bool>();
    } else {
      return absl::InvalidArgumentError(base::StrCat(at, ": unknown key \"", key, "\""));
    }
  }
  if (t.id.empty()) return absl::InvalidArgumentError(base::StrCat(at, ": \"id\" is missing"));
  if (t.prompt.empty()) return absl::InvalidArgumentError(base::StrCat(at, ": \"prompt\" is missing"));
  if (t.require_calls && t.calls.empty()) {
    return absl::InvalidArgumentError(base::StrCat(at, ": \"require_calls\" without \"calls\""));
  }
  if (t.answer.empty() && t.files.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat(at, ": task \"", t.id, "\" has no \"answer\" or \"files\" check, so nothing could fail it"));
  }
  return t;
}

}  // namespace

Json EvalTask::ToJson() const {
  Json j = {{"id", id}, {"family", family}, {"prompt", prompt}};
  if (!answer.empty()) {
    Json a = Json::array();
    for (const AnswerCheck& c : answer) {
      switch (c.kind) {
        case AnswerCheck::Kind::kContains: a.push_back({{"contains", c.value}}); break;
        case AnswerCheck::Kind::kEquals: a.push_back({{"equals", c.value}}); break;
        case AnswerCheck::Kind::kRegex: a.push_back({{"regex", c.value}}); break;
        case AnswerCheck::Kind::kNumber: a.push_back({{"number", std::stoll(c.value)}}); break;
      }
    }
    j["answer"] = std::move(a);
  }
  if (!files.empty()) {
    Json f = Json::array();
    for (const FileCheck& c : files) f.push_back({{"path", c.path}, {c.exact ? "equals" : "contains", c.text}});
    j["files"] = std::move(f);
  }
  if (!calls.empty()) {
    Json cs = Json::array();
    for (const ExpectedCall& c : calls) {
      cs.push_back({{"name", c.names.size() == 1 ? Json(c.names[0]) : Json(c.names)}, {"arguments", c.arguments}});
    }
    j["calls"] = std::move(cs);
  }
  if (require_calls) j["require_calls"] = true;
  if (allow_echo) j["allow_echo"] = true;
  return j;
}

absl::StatusOr<std::vector<EvalTask>> ParseEvalTasks(std::string_view text, std::string_view where) {
  std::vector<EvalTask> tasks;
  std::set<std::string> ids;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const std::string at = base::StrCat(where, ":", line_no);
    TM_ASSIGN_OR_RETURN(Json j, base::ParseJson(line, at));
    TM_ASSIGN_OR_RETURN(EvalTask t, ParseTask(j, at));
    if (!ids.insert(t.id).second) return absl::InvalidArgumentError(base::StrCat(at, ": task id \"", t.id, "\" repeats"));
    tasks.push_back(std::move(t));
  }
  return tasks;
}

absl::StatusOr<std::vector<EvalTask>> ReadEvalTasks(const std::string& path) {
  TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  TM_ASSIGN_OR_RETURN(std::vector<EvalTask> tasks, ParseEvalTasks(text, path));
  if (tasks.empty()) return absl::InvalidArgumentError(base::StrCat(path, ": no tasks"));
  return tasks;
}

std::string EvalTasksToJsonl(const std::vector<EvalTask>& tasks) {
  std::string out;
  for (const EvalTask& t : tasks) base::StrAppend(&out, t.ToJson().dump(), "\n");
  return out;
}

bool NamesTool(std::string_view called, std::string_view wanted) {
  if (called == wanted) return true;
  return called.size() > wanted.size() + 2 && called.substr(called.size() - wanted.size()) == wanted &&
         called.substr(called.size() - wanted.size() - 2, 2) == "__";
}

bool CallMatches(const ExpectedCall& call, std::string_view name, const Json& arguments) {
  bool named = false;
  for (const std::string& n : call.names) named |= NamesTool(name, n);
  if (!named || !arguments.is_object()) return false;
  for (const auto& [key, want] : call.arguments.items()) {
    auto it = arguments.find(key);
    if (it == arguments.end() || !MeetsConstraint(want, *it)) return false;
  }
  return true;
}

bool CheckAnswerText(const EvalTask& task, std::string_view answer, std::string* why) {
  auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  for (const AnswerCheck& c : task.answer) {
    switch (c.kind) {
      case AnswerCheck::Kind::kContains:
        if (Lower(answer).find(Lower(c.value)) == std::string::npos) {
          return fail(base::StrCat("the answer does not contain \"", c.value, "\""));
        }
        break;
      case AnswerCheck::Kind::kEquals:
        if (NormalizeWhitespace(answer) != NormalizeWhitespace(c.value)) {
          return fail(base::StrCat("the answer is not \"", c.value, "\""));
        }
        break;
      case AnswerCheck::Kind::kRegex:
        if (!RegexSearch(c.value, answer)) return fail(base::StrCat("the answer does not match /", c.value, "/"));
        break;
      case AnswerCheck::Kind::kNumber: {
        const std::set<std::string> numbers = StandaloneNumbers(answer);
        if (numbers != std::set<std::string>{c.value}) {
          return fail(numbers.empty() ? base::StrCat("the answer states no number (expected ", c.value, ")")
                                      : base::StrCat("the answer does not state exactly the number ", c.value));
        }
        break;
      }
    }
  }
  return true;
}

std::string EchoedLine(const EvalTask& task, std::string_view answer, const std::vector<std::string>& tool_results) {
  if (task.allow_echo) return "";
  const std::string answer_lower = Lower(answer);
  // The line that holds the answer may be quoted: it contains an expected text, lies
  // within one, or matches an expected pattern.
  auto holds_the_answer = [&](const std::string& line, const std::string& line_lower) {
    for (const AnswerCheck& c : task.answer) {
      if (c.kind == AnswerCheck::Kind::kContains || c.kind == AnswerCheck::Kind::kEquals) {
        const std::string e = Lower(c.value);
        if (e.find(line_lower) != std::string::npos || line_lower.find(e) != std::string::npos) return true;
      } else if (c.kind == AnswerCheck::Kind::kRegex && RegexSearch(c.value, line)) {
        return true;
      }
    }
    return false;
  };
  for (const std::string& result : tool_results) {
    size_t pos = 0;
    while (pos < result.size()) {
      size_t end = result.find('\n', pos);
      if (end == std::string::npos) end = result.size();
      const std::string line = Trim(std::string_view(result).substr(pos, end - pos));
      pos = end + 1;
      if (line.size() < kEchoLineChars) continue;
      const std::string line_lower = Lower(line);
      if (answer_lower.find(line_lower) == std::string::npos || holds_the_answer(line, line_lower)) continue;
      return line;
    }
  }
  return "";
}

bool CheckTask(const EvalTask& task, const trace::Trace& trace, std::string* why) {
  auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  if (trace.outcome.status != "success") {
    return fail(base::StrCat("outcome ", trace.outcome.status.empty() ? "unknown" : trace.outcome.status,
                             trace.outcome.detail.empty() ? "" : ": ", trace.outcome.detail.substr(0, 300)));
  }
  if (trace.messages.empty() || trace.messages.back().role != trace::Role::kAssistant) {
    return fail("the trace does not end with an assistant message");
  }
  const TurnCalls last = ExtractCalls(trace.messages.back());
  if (last.attempted) return fail("the final message holds a tool call (one that does not parse, or was not run)");
  if (!CheckAnswerText(task, last.answer, why)) return false;
  for (const FileCheck& f : task.files) {
    auto text = base::ReadFile(f.path);
    if (!text.ok()) return fail(base::StrCat(f.path, " was not created: ", text.status().message()));
    std::string_view got = *text;
    if (f.exact) {
      while (!got.empty() && (got.back() == '\n' || got.back() == '\r')) got.remove_suffix(1);
      std::string_view want = f.text;
      while (!want.empty() && (want.back() == '\n' || want.back() == '\r')) want.remove_suffix(1);
      if (got != want) return fail(base::StrCat(f.path, " holds \"", got.substr(0, 200), "\""));
    } else if (got.find(f.text) == std::string_view::npos) {
      return fail(base::StrCat(f.path, " does not contain \"", f.text, "\""));
    }
  }
  if (task.require_calls) {
    for (size_t i = 0; i < task.calls.size(); ++i) {
      bool made = false;
      for (const trace::Message& m : trace.messages) {
        if (m.role != trace::Role::kAssistant) continue;
        for (const TurnCalls::Call& c : ExtractCalls(m).calls) made |= c.args_ok && CallMatches(task.calls[i], c.name, c.args);
      }
      if (!made) {
        return fail(base::StrCat("expected call ", i + 1, " (", task.calls[i].names.front(), " ",
                                 task.calls[i].arguments.dump().substr(0, 200), ") was not made"));
      }
    }
  }
  std::vector<std::string> results;
  for (const trace::Message& m : trace.messages) {
    if (m.role == trace::Role::kTool) results.push_back(m.Text());
  }
  if (const std::string line = EchoedLine(task, last.answer, results); !line.empty()) {
    return fail(base::StrCat("the answer echoes the tool result line \"", line.substr(0, 200), "\""));
  }
  return true;
}

}  // namespace tracemill::eval
