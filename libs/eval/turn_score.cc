#include "libs/eval/turn_score.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>

#include "absl/status/status.h"
#include "libs/base/str_cat.h"
#include "libs/eval/arg_match.h"
#include "libs/llm/hermes.h"

namespace tracemill::eval {
namespace {

constexpr std::string_view kToolCallTag = "<tool_call>";

TurnCalls::Call ParseCall(const std::string& name, const std::string& arguments) {
  TurnCalls::Call c;
  c.name = name;
  // "" is not {}: a call whose arguments were never written is not a valid call.
  auto args = base::ParseJson(arguments, "arguments");
  if (args.ok() && args->is_object()) {
    c.args_ok = true;
    c.args = std::move(*args);
  }
  return c;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The tool's `function.parameters`, or nullptr.
const Json* SchemaOf(const std::vector<trace::ToolDef>& tools, const std::string& name) {
  for (const trace::ToolDef& t : tools) {
    if (t.name == name) return t.parameters();
  }
  return nullptr;
}

std::multiset<std::string> Names(const std::vector<TurnCalls::Call>& calls) {
  std::multiset<std::string> out;
  for (const auto& c : calls) out.insert(c.name);
  return out;
}

}  // namespace

std::string NormalizeWhitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

TurnCalls ExtractCalls(const trace::Message& message) {
  TurnCalls out;
  std::string text = message.Text();
  if (message.tool_calls.empty() && (text.find(kToolCallTag) != std::string::npos ||
                                     text.find("<think>") != std::string::npos ||
                                     text.find("</think>") != std::string::npos)) {
    // Strict: a call the model did not finish (cut off, or JSON that needs repair) is a
    // refused block here, an invalid call, never a repaired valid one.
    llm::HermesOptions strict;
    strict.repair = false;
    llm::HermesOutput h = llm::ParseHermes(text, strict);
    for (const llm::HermesToolCall& c : h.tool_calls) out.calls.push_back(ParseCall(c.name, c.arguments));
    text = std::move(h.content);
  } else {
    for (const trace::ToolCall& c : message.tool_calls) out.calls.push_back(ParseCall(c.name, c.arguments));
  }
  out.refused_block = text.find(kToolCallTag) != std::string::npos;
  out.attempted = !out.calls.empty() || out.refused_block;
  out.parse_failed = out.refused_block;
  for (const auto& c : out.calls) out.parse_failed |= !c.args_ok;
  out.answer = std::move(text);
  return out;
}

Json TurnScore::ToJson() const {
  Json j = {{"id", id}};
  if (error) {
    j["error"] = error_reason;
    j["message"] = error_message;
    return j;
  }
  j["reference"] = reference_calls ? "call" : "answer";
  j["generated"] = attempted ? "call" : "answer";
  j["decision_ok"] = decision_ok;
  if (attempted) j["parse_ok"] = parse_ok;
  if (reference_calls) {
    j["names_ok"] = names_ok;
    j["args_ok"] = args_ok;
  }
  j["exact"] = exact;
  if (!why.empty()) j["why"] = why;
  return j;
}

TurnScore ScoreTurn(const EvalRow& row, const absl::StatusOr<trace::Message>& generated) {
  TurnScore s;
  s.id = row.id;
  const TurnCalls ref = ExtractCalls(row.reference);
  s.reference_calls = ref.attempted;
  s.reference_call_count = static_cast<int>(ref.calls.size());
  if (!generated.ok()) {
    s.error = true;
    s.error_reason = Lower(absl::StatusCodeToString(generated.status().code()));
    s.error_message = std::string(generated.status().message().substr(0, 400));
    s.why = "no reply: " + s.error_message;
    return s;
  }
  const TurnCalls gen = ExtractCalls(*generated);
  s.attempted = gen.attempted;
  s.parse_ok = gen.attempted && !gen.parse_failed;
  s.decision_ok = gen.attempted == ref.attempted;
  auto note = [&](std::string why) {
    if (s.why.empty()) s.why = std::move(why);
  };
  if (!s.decision_ok) {
    note(ref.attempted ? "answered where the reference calls a tool" : "called a tool where the reference answers");
  }
  if (gen.parse_failed) note("a tool call did not parse (arguments not a JSON object, or a refused <tool_call> block)");

  if (ref.attempted) {
    const auto want_names = Names(ref.calls);
    const auto got_names = Names(gen.calls);
    s.names_ok = want_names == got_names && !gen.refused_block;
    std::vector<std::string> common;
    std::set_intersection(want_names.begin(), want_names.end(), got_names.begin(), got_names.end(),
                          std::back_inserter(common));
    s.name_hits = static_cast<int>(common.size());
    if (s.decision_ok && !s.names_ok) note("different tool names");

    std::vector<bool> used(gen.calls.size(), false);
    std::string first_arg_why;
    for (const auto& want : ref.calls) {
      for (size_t i = 0; i < gen.calls.size(); ++i) {
        if (used[i] || gen.calls[i].name != want.name || !gen.calls[i].args_ok) continue;
        ArgMatch m = MatchArguments(SchemaOf(row.tools, want.name), gen.calls[i].args, want.args);
        if (m.ok) {
          used[i] = true;
          ++s.arg_hits;
          break;
        }
        if (first_arg_why.empty()) first_arg_why = base::StrCat(want.name, ": ", m.why);
      }
    }
    s.args_ok = s.arg_hits == s.reference_call_count && gen.calls.size() == ref.calls.size() && !gen.parse_failed;
    if (s.names_ok && !s.args_ok) note(first_arg_why.empty() ? "arguments differ" : first_arg_why);

    std::multiset<std::string> want_exact, got_exact;
    for (const auto& c : ref.calls) want_exact.insert(c.name + "\n" + base::CanonicalJson(c.args));
    for (const auto& c : gen.calls) got_exact.insert(c.name + "\n" + (c.args_ok ? base::CanonicalJson(c.args) : "?"));
    s.exact = !gen.parse_failed && want_exact == got_exact;
  } else {
    s.exact = !gen.attempted && NormalizeWhitespace(gen.answer) == NormalizeWhitespace(ref.answer);
    if (s.decision_ok && !s.exact) note("a different answer");
  }
  return s;
}

void NextTurnTally::Add(const TurnScore& s) {
  if (s.error) {
    ++errors_;
    ++errors_by_reason_[s.error_reason];
  }
  decision_.Add(s.decision_ok);
  exact_.Add(s.exact);
  if (s.attempted) parse_.Add(s.parse_ok);
  if (s.reference_calls) {
    names_.Add(s.names_ok);
    args_.Add(s.args_ok);
    names_per_call_.count += s.name_hits;
    names_per_call_.n += s.reference_call_count;
    args_per_call_.count += s.arg_hits;
    args_per_call_.n += s.reference_call_count;
  }
}

std::vector<Metric> NextTurnTally::Metrics() const {
  return {
      {"decision_accuracy", "both call tools or both answer; n = scored rows", decision_},
      {"tool_call_parse_rate", "generated turns whose every tool call parses; n = turns that call tools", parse_},
      {"tool_name_accuracy", "same multiset of tool names as the reference; n = reference turns that call", names_},
      {"tool_name_accuracy_per_call", "reference calls matched by a same-named call; n = reference calls",
       names_per_call_},
      {"argument_match", "every reference call AST-matched, no extra calls; n = reference turns that call", args_},
      {"argument_match_per_call", "reference calls AST-matched by a generated call; n = reference calls",
       args_per_call_},
      {"exact_match", "identical calls and arguments, or the same answer text; n = scored rows", exact_},
  };
}

}  // namespace tracemill::eval
