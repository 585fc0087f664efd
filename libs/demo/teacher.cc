#include "libs/demo/teacher.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "libs/base/str_cat.h"

namespace tracemill::demo {
namespace {

constexpr std::string_view kRejected = "User rejected tool call.";

// Text of a message's content: a string, or the text parts of an array.
std::string ContentText(const Json& message) {
  auto it = message.find("content");
  if (it == message.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  std::string out;
  if (it->is_array()) {
    for (const Json& part : *it) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}

// The first whitespace-separated word of `text` that starts with `prefix` (and, when
// given, contains `inner`), without trailing punctuation.
std::optional<std::string> WordStartingWith(std::string_view text, std::string_view prefix, std::string_view inner = "") {
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view word = text.substr(pos, end - pos);
    while (!word.empty() && std::string_view(".,;:!?)\"'").find(word.back()) != std::string_view::npos) {
      word.remove_suffix(1);
    }
    if (word.substr(0, prefix.size()) == prefix && (inner.empty() || word.find(inner) != std::string_view::npos)) {
      return std::string(word);
    }
    pos = end;
  }
  return std::nullopt;
}

std::string FirstLine(std::string_view text) {
  const size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

bool LooksLikeError(std::string_view text) {
  return text.substr(0, 6) == "Error:" || text.substr(0, 6) == "Error " || text.find("Access denied") != std::string_view::npos ||
         text.find("ENOENT") != std::string_view::npos || text.substr(0, 8) == "Not run:" ||
         text.find("not found") != std::string_view::npos || text == std::string_view(kRejected);
}

// Finds the offered tool for `wanted` (in order of preference): the exact name, or a name
// ending in "_" + wanted (a server prefix added when names collide).
std::optional<std::string> FindTool(const Json& tools, std::initializer_list<std::string_view> wanted) {
  if (!tools.is_array()) return std::nullopt;
  for (std::string_view w : wanted) {
    for (const Json& t : tools) {
      if (!t.is_object() || !t.contains("function") || !t["function"].is_object()) continue;
      const std::string name = t["function"].value("name", "");
      if (name == w) return name;
      if (name.size() > w.size() && name.compare(name.size() - w.size(), w.size(), w) == 0 &&
          name[name.size() - w.size() - 1] == '_') {
        return name;
      }
    }
  }
  return std::nullopt;
}

struct Step {
  std::string tool;
  Json arguments;
  std::string result;
};

TeacherTurn Answer(std::string reasoning, std::string content) {
  TeacherTurn t;
  t.reasoning = std::move(reasoning);
  t.content = std::move(content);
  return t;
}

TeacherTurn Call(std::string reasoning, std::string tool, Json arguments) {
  TeacherTurn t;
  t.reasoning = std::move(reasoning);
  t.calls.push_back({std::move(tool), std::move(arguments)});
  return t;
}

TeacherTurn Missing(std::string_view what) {
  return Answer(base::StrCat("This needs a tool for ", what, ", and none is offered."),
                base::StrCat("I cannot do this: no tool for ", what, " is available to me."));
}

TeacherTurn Failed(const Step& step) {
  return Answer(base::StrCat("The tool ", step.tool, " failed, so I cannot finish the task."),
                base::StrCat("I could not complete the task: ", step.tool, " failed with \"",
                             FirstLine(step.result).substr(0, 200), "\"."));
}

int CountFiles(std::string_view listing) {
  int n = 0;
  size_t pos = 0;
  while (pos <= listing.size()) {
    size_t end = listing.find('\n', pos);
    if (end == std::string_view::npos) end = listing.size();
    if (listing.substr(pos, 6) == "[FILE]") ++n;
    pos = end + 1;
  }
  return n;
}

TeacherTurn Decide(const std::string& prompt, const std::vector<Step>& steps, const Json& tools) {
  const bool is_page = prompt.find("/page/") != std::string::npos &&
                       (prompt.find("title") != std::string::npos);
  if (is_page) {
    const auto url = WordStartingWith(prompt, "http", "/page/");
    const auto navigate = FindTool(tools, {"browser_navigate"});
    if (!url) return Answer("I cannot find the page's address in the request.", "Please give me the page's URL.");
    if (!navigate) return Missing("opening web pages");
    if (steps.empty()) {
      return Call(base::StrCat("The user wants the title of the page at ", *url, ". I will open it in the browser."),
                  *navigate, Json{{"url", *url}});
    }
    const Step& last = steps.back();
    const size_t at = last.result.find("Page Title: ");
    if (at == std::string::npos) return Failed(last);
    const std::string title = FirstLine(std::string_view(last.result).substr(at + 12));
    return Answer(base::StrCat("The browser reports the page title \"", title, "\"."),
                  base::StrCat("The title of the page at ", *url, " is \"", title, "\"."));
  }

  const auto read = FindTool(tools, {"read_text_file", "read_file"});
  if (prompt.find("/pointers/") != std::string::npos) {
    const auto path = WordStartingWith(prompt, "/", "/pointers/");
    if (!path) return Answer("I cannot find the file's path.", "Please give me the file's path.");
    if (!read) return Missing("reading files");
    if (steps.empty()) {
      return Call(base::StrCat("First I read ", *path, " to find which note it names."), *read, Json{{"path", *path}});
    }
    if (LooksLikeError(steps.back().result)) return Failed(steps.back());
    if (steps.size() == 1) {
      const auto rel = WordStartingWith(steps[0].result, "notes/");
      if (!rel) return Answer("The pointer file names no note.", "The pointer file does not name a note file.");
      const std::string root = path->substr(0, path->find("/pointers/"));
      const std::string note = base::StrCat(root, "/", *rel);
      return Call(base::StrCat("The pointer names ", *rel, ". Now I read ", note, "."), *read, Json{{"path", note}});
    }
    const std::string line = FirstLine(steps.back().result);
    return Answer(base::StrCat("The note's first line is \"", line, "\"."),
                  base::StrCat("The note named by ", *path, " begins with: ", line));
  }
  if (prompt.find("first line") != std::string::npos && prompt.find("/notes/") != std::string::npos) {
    const auto path = WordStartingWith(prompt, "/", ".txt");
    if (!path) return Answer("I cannot find the file's path.", "Please give me the file's path.");
    if (!read) return Missing("reading files");
    if (steps.empty()) {
      return Call(base::StrCat("I need the first line of ", *path, ", so I read the file."), *read, Json{{"path", *path}});
    }
    if (LooksLikeError(steps.back().result)) return Failed(steps.back());
    const std::string line = FirstLine(steps.back().result);
    return Answer(base::StrCat("The file starts with \"", line, "\"."),
                  base::StrCat("The first line of ", *path, " is: ", line));
  }
  if ((prompt.find("How many files") != std::string::npos || prompt.find("Count the files") != std::string::npos)) {
    const auto path = WordStartingWith(prompt, "/");
    const auto list = FindTool(tools, {"list_directory"});
    if (!path) return Answer("I cannot find the directory's path.", "Please give me the directory's path.");
    if (!list) return Missing("listing directories");
    if (steps.empty()) {
      return Call(base::StrCat("I list ", *path, " and count the entries marked [FILE]."), *list, Json{{"path", *path}});
    }
    if (LooksLikeError(steps.back().result)) return Failed(steps.back());
    const int n = CountFiles(steps.back().result);
    return Answer(base::StrCat("The listing has ", n, " entries marked [FILE]; directories do not count."),
                  base::StrCat("There are ", n, " files in ", *path, "."));
  }
  if (prompt.find("Create the file ") != std::string::npos) {
    const auto path = WordStartingWith(prompt, "/", ".txt");
    const size_t at = prompt.find("containing exactly: ");
    const auto write = FindTool(tools, {"write_file"});
    if (!path || at == std::string::npos) return Answer("The request is incomplete.", "Please give me a path and the text.");
    if (!write) return Missing("writing files");
    const std::string text = prompt.substr(at + 20);
    if (steps.empty()) {
      return Call(base::StrCat("I write the text to ", *path, "."), *write, Json{{"path", *path}, {"content", text}});
    }
    if (LooksLikeError(steps.back().result)) return Failed(steps.back());
    return Answer("The file was written.", base::StrCat("Done: ", *path, " now contains \"", text, "\"."));
  }
  return Answer("This is not one of the demo tasks I can script.",
                "I am tracemill's scripted demo teacher, not a model: I can only solve the demo tasks (page "
                "titles on the demo site, and reading, counting and writing the demo files).");
}

}  // namespace

Policy PolicyForModel(std::string_view model) {
  if (model == kConstantModel) return Policy::kConstant;
  if (model == kEchoModel) return Policy::kEcho;
  if (model == kCutoffModel) return Policy::kCutoff;
  return Policy::kTeacher;
}

absl::StatusOr<TeacherTurn> DecideNextTurn(const Json& request, Policy policy) {
  if (!request.is_object()) return absl::InvalidArgumentError("the request body is not a JSON object");
  auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array() || messages->empty()) {
    return absl::InvalidArgumentError("\"messages\" must be a non-empty array");
  }
  // The task is the last user message; the steps are the calls and results after it.
  int last_user = -1;
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return absl::InvalidArgumentError(base::StrCat("messages[", i, "] has no \"role\" string"));
    }
    if (m["role"] == "user") last_user = static_cast<int>(i);
  }
  if (last_user < 0) return absl::InvalidArgumentError("there is no user message");
  const std::string prompt = ContentText((*messages)[static_cast<size_t>(last_user)]);
  std::vector<Step> steps;
  for (size_t i = static_cast<size_t>(last_user) + 1; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    if (m["role"] == "assistant" && m.contains("tool_calls") && m["tool_calls"].is_array()) {
      for (const Json& call : m["tool_calls"]) {
        Step s;
        if (call.is_object() && call.contains("function") && call["function"].is_object()) {
          s.tool = call["function"].value("name", "");
        }
        steps.push_back(std::move(s));
      }
    } else if (m["role"] == "tool" && !steps.empty()) {
      // Results follow their calls in order; fill the first step still without one.
      for (Step& s : steps) {
        if (s.result.empty()) {
          s.result = ContentText(m);
          if (s.result.empty()) s.result = "(empty tool result)";
          break;
        }
      }
    }
  }
  // Only steps with a result count (a call whose result is missing is asked again).
  while (!steps.empty() && steps.back().result.empty()) steps.pop_back();
  const Json tools = request.contains("tools") ? request["tools"] : Json::array();
  switch (policy) {
    case Policy::kConstant: {
      std::optional<std::string> tool = FindTool(tools, {"read_text_file", "read_file"});
      if (!tool && tools.is_array() && !tools.empty() && tools[0].is_object() && tools[0].contains("function") &&
          tools[0]["function"].is_object()) {
        tool = tools[0]["function"].value("name", "");
      }
      if (!tool || tool->empty()) return Answer("", "I have no tool to call.");
      return Call("", *tool, Json{{"path", "/tmp/tracemill-demo/notes/note-1.txt"}});
    }
    case Policy::kEcho:
      if (!steps.empty()) return Answer("", steps.back().result);
      return Decide(prompt, steps, tools);
    case Policy::kTeacher:
    case Policy::kCutoff:
      break;
  }
  return Decide(prompt, steps, tools);
}

std::string CutOffHermesText(const TeacherTurn& turn) {
  const std::string text = ToHermesText(turn);
  if (turn.calls.empty()) return text;
  const size_t call = text.find("<tool_call>");
  const size_t args = text.find("\"arguments\"", call);
  const size_t end = text.find("</tool_call>", call);
  if (call == std::string::npos || args == std::string::npos || end == std::string::npos) return text;
  return text.substr(0, args + (end - args) / 2);
}

std::string ToHermesText(const TeacherTurn& turn) {
  std::string out;
  if (!turn.reasoning.empty()) base::StrAppend(&out, "<think>\n", turn.reasoning, "\n</think>\n\n");
  out += turn.content;
  for (size_t i = 0; i < turn.calls.size(); ++i) {
    const Json call = {{"name", turn.calls[i].name}, {"arguments", turn.calls[i].arguments}};
    base::StrAppend(&out, i == 0 && turn.content.empty() ? "" : "\n", "<tool_call>\n", call.dump(), "\n</tool_call>");
  }
  return out;
}

}  // namespace tracemill::demo
