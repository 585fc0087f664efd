#include "libs/trace/gates.h"

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/str_cat.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Three Playwright MCP tools as the reference agent records them (OpenAI form, inputSchema
// passed through with $schema and additionalProperties).
constexpr const char* kTools = R"([
  {"type": "function", "function": {"name": "browser_navigate",
    "description": "Navigate to a URL",
    "parameters": {"type": "object", "properties": {"url": {"type": "string",
      "description": "The URL to navigate to"}}, "required": ["url"],
      "additionalProperties": false, "$schema": "http://json-schema.org/draft-07/schema#"}}},
  {"type": "function", "function": {"name": "browser_click",
    "description": "Perform click on a web page",
    "parameters": {"type": "object", "properties": {
      "element": {"type": "string", "description": "Human-readable element description"},
      "ref": {"type": "string", "description": "Exact target element reference"}},
      "required": ["element", "ref"], "additionalProperties": false,
      "$schema": "http://json-schema.org/draft-07/schema#"}}},
  {"type": "function", "function": {"name": "browser_snapshot",
    "description": "Capture accessibility snapshot of the current page",
    "parameters": {"type": "object", "properties": {}, "additionalProperties": false,
      "$schema": "http://json-schema.org/draft-07/schema#"}}}
])";

// A clean two-turn trace shaped like the reference agent's files: system prompt, user,
// assistant with reasoning, content "\n\n" and string arguments, tool result, answer,
// then a second user turn with its own tool call and answer.
constexpr const char* kCleanMessages = R"([
  {"role": "system", "content": "You are a helpful browser agent."},
  {"role": "user", "content": "Open example.com"},
  {"role": "assistant", "content": "\n\n", "reasoning_content": "I should navigate.",
   "tool_calls": [{"id": "chatcmpl-tool-1", "type": "function", "function": {
     "name": "browser_navigate", "arguments": "{\"url\": \"https://example.com\"}"}}]},
  {"role": "tool", "tool_call_id": "chatcmpl-tool-1", "content": "### Ran Playwright code\n```js\nawait page.goto('https://example.com');\n```\n\n### Page state\n- Page URL: https://example.com/\n- Page Title: Example Domain\n- Page Snapshot:\n```yaml\n- heading \"Error handling examples\" [level=1] [ref=e3]\n- paragraph [ref=e4]: No error occurred. Error: none.\n```"},
  {"role": "assistant", "content": "The page is open: Example Domain.",
   "reasoning_content": "The navigation worked."},
  {"role": "user", "content": "Click the link, then take a snapshot"},
  {"role": "assistant", "content": "\n\n", "reasoning_content": "Click it.",
   "tool_calls": [
     {"id": "chatcmpl-tool-2", "type": "function", "function": {"name": "browser_click",
      "arguments": "{\"element\": \"More information link\", \"ref\": \"e6\"}"}},
     {"id": "chatcmpl-tool-3", "type": "function", "function": {"name": "browser_snapshot",
      "arguments": ""}}]},
  {"role": "tool", "tool_call_id": "chatcmpl-tool-2", "content": "### Result\nClicked \"More information link\""},
  {"role": "tool", "tool_call_id": "chatcmpl-tool-3", "content": "- Page URL: https://www.iana.org/"},
  {"role": "assistant", "content": "Done: the IANA page is open.", "reasoning_content": "Done."}
])";

Trace MakeTrace(const std::string& messages, const std::string& extra_fields = "") {
  std::string text = base::StrCat(
      R"({"timestamp": "20250529_101500", "model": "Qwen/Qwen3-30B-A3B-FP8", "messages": )",
      messages, R"(, "tools": )", kTools, extra_fields, "}");
  absl::StatusOr<Trace> trace = ParseTraceText(text, "test.json");
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? *std::move(trace) : Trace();
}

// "check@index" for each finding, in order.
std::vector<std::string> Summary(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(base::StrCat(f.check, "@", f.message_index));
  return out;
}

// A message fragment: an assistant turn calling `name` with JSON-string `arguments`.
std::string Call(const std::string& id, const std::string& name, const std::string& arguments) {
  return base::StrCat(R"({"role": "assistant", "content": "\n\n", "tool_calls": [{"id": ")", id,
                      R"(", "type": "function", "function": {"name": ")", name,
                      R"(", "arguments": )", Json(arguments).dump(), "}}]}");
}
std::string Result(const std::string& id, const std::string& content = "ok") {
  return base::StrCat(R"({"role": "tool", "tool_call_id": ")", id, R"(", "content": )",
                      Json(content).dump(), "}");
}
std::string User(const std::string& text = "go") {
  return base::StrCat(R"({"role": "user", "content": )", Json(text).dump(), "}");
}
std::string Answer(const std::string& text = "Done.") {
  return base::StrCat(R"({"role": "assistant", "content": )", Json(text).dump(), "}");
}
std::string Messages(const std::vector<std::string>& parts) {
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ", ";
    out += parts[i];
  }
  return out + "]";
}

const std::string kNav = R"({"url": "https://example.com"})";

TEST(GatesTest, CleanReferenceTraceHasNoFindings) {
  Trace trace = MakeTrace(kCleanMessages);
  ASSERT_THAT(trace.messages, SizeIs(10));
  EXPECT_THAT(Summary(RunGates(trace)), IsEmpty());
}

TEST(GatesTest, CleanTraceWithObjectArgumentsAndSuccessOutcome) {
  Trace trace = MakeTrace(
      R"json([{"role": "user", "content": "go"},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
           "function": {"name": "browser_navigate", "arguments": {"url": "https://example.com"}}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "(empty tool result)"},
          {"role": "assistant", "content": [{"type": "text", "text": "Done."}]}])json",
      R"(, "outcome": {"status": "success", "reward": 1.0})");
  EXPECT_THAT(Summary(RunGates(trace)), IsEmpty());
}

TEST(GatesTest, GateNames) {
  EXPECT_EQ(GateName(Gate::kStructure), "structure");
  EXPECT_EQ(GateName(Gate::kFormat), "format");
  EXPECT_EQ(GateName(Gate::kExecution), "execution");
  EXPECT_EQ(GateName(Gate::kOutcome), "outcome");
}

struct GateCase {
  const char* name;
  std::string messages;
  std::vector<std::string> expected;  // "check@message_index", in order
  std::string message;                // a substring of the first finding's message
  std::string extra_fields = "";
};

void PrintTo(const GateCase& c, std::ostream* os) { *os << c.name; }

class GateTableTest : public ::testing::TestWithParam<GateCase> {};

TEST_P(GateTableTest, Finds) {
  const GateCase& c = GetParam();
  std::vector<Finding> findings = RunGates(MakeTrace(c.messages, c.extra_fields));
  EXPECT_THAT(Summary(findings), ElementsAreArray(c.expected)) << c.messages;
  if (!findings.empty() && !c.message.empty()) {
    EXPECT_THAT(findings[0].message, HasSubstr(c.message));
  }
}

const GateCase kGateCases[] = {
    // structure
    {"EmptyTrace", "[]", {"empty_trace@-1"}, "trace has no messages"},
    {"SystemNotFirst",
     Messages({User(), Answer(), R"({"role": "system", "content": "late"})", User(), Answer()}),
     {"system_not_first@2"},
     "messages[2]: system message after the conversation started"},
    {"DeveloperNotFirst",
     Messages({User(), Answer(), R"({"role": "developer", "content": "late"})", User(), Answer()}),
     {"system_not_first@2"},
     "messages[2]: developer message"},
    {"SystemThenDeveloperFirstIsFine",
     Messages({R"({"role": "system", "content": "s"})", R"({"role": "developer", "content": "d"})",
               User(), Answer()}),
     {},
     ""},
    {"FirstTurnNotUser",
     Messages({R"({"role": "system", "content": "s"})", Answer()}),
     {"first_turn_not_user@1"},
     "messages[1]: first turn has role assistant, expected user"},
    {"MissingToolResult",
     Messages({User(), Call("c1", "browser_navigate", kNav), Answer()}),
     {"missing_tool_result@1"},
     "messages[1]: tool call c1 (browser_navigate) has no tool result"},
    {"MissingOneOfTwoResults",
     Messages({User(),
               R"({"role": "assistant", "content": "", "tool_calls": [
                 {"id": "a", "type": "function", "function": {"name": "browser_snapshot", "arguments": "{}"}},
                 {"id": "b", "type": "function", "function": {"name": "browser_snapshot", "arguments": "{}"}}]})",
               Result("b"), Answer()}),
     {"missing_tool_result@1"},
     "tool call a (browser_snapshot) has no tool result"},
    {"DuplicateToolResult",
     Messages({User(), Call("c1", "browser_navigate", kNav), Result("c1"), Result("c1"), Answer()}),
     {"duplicate_tool_result@3"},
     "messages[3]: tool result for call c1 (browser_navigate): call already has a tool result"},
    {"OrphanToolMessage",
     Messages({User(), Call("c1", "browser_navigate", kNav), Result("c1"), Result("c9"), Answer()}),
     {"orphan_tool_message@3"},
     "messages[3]: tool result for call c9: matches no earlier tool call"},
    {"OrphanBeforeAnyCall",
     Messages({User(), Result("c1"), Answer()}),
     {"orphan_tool_message@1"},
     "matches no earlier tool call"},
    {"ResultBeforeItsCall",
     Messages({User(), Result("c1"), Call("c1", "browser_navigate", kNav), Answer()}),
     {"orphan_tool_message@1", "missing_tool_result@2"},
     "matches no earlier tool call"},
    {"MisplacedAfterUser",
     Messages({User(), Call("c1", "browser_navigate", kNav), User("wait"), Result("c1"), Answer()}),
     {"misplaced_tool_result@3"},
     "messages[3]: tool result for call c1 (browser_navigate): answers a call made at messages[1]"},
    {"MisplacedAfterAssistant",
     Messages({User(), Call("c1", "browser_navigate", kNav), Call("c2", "browser_snapshot", ""),
               Result("c1"), Result("c2"), Answer()}),
     {"misplaced_tool_result@3"},
     "tool result for call c1"},
    {"DuplicateToolCallId",
     Messages({User(), Call("c1", "browser_navigate", kNav), Result("c1"),
               Call("c1", "browser_snapshot", "{}"), Result("c1"), Answer()}),
     {"duplicate_tool_call_id@3"},
     "messages[3]: tool call c1 (browser_snapshot): call id already used at messages[1]"},
    {"EmptyToolCallId",
     Messages({User(), Call("", "browser_navigate", kNav), Result(""), Answer()}),
     {"empty_tool_call_id@1", "empty_tool_call_id@2"},
     "messages[1]: tool call #0 (browser_navigate): empty tool call id"},
    {"EmptyAssistantMessage",
     Messages({User(), Answer(" \n\n "), User("?"), Answer()}),
     {"empty_assistant_message@1"},
     "messages[1]: assistant message has no content, reasoning or tool calls"},
    {"EmptyAssistantNullContent",
     Messages({User(), R"({"role": "assistant", "content": null})", User("?"), Answer()}),
     {"empty_assistant_message@1"},
     ""},
    {"ReasoningOnlyIsNotEmpty",
     Messages({User(), R"({"role": "assistant", "content": "", "reasoning_content": "hmm"})",
               User("?"), Answer()}),
     {},
     ""},
    // format
    {"ArgumentsNotJson",
     Messages({User(), Call("c1", "browser_navigate", "{url: https://x"), Result("c1"), Answer()}),
     {"arguments_not_json@1"},
     "messages[1]: tool call c1 (browser_navigate): arguments: malformed JSON"},
    {"ArgumentsTrailingGarbage",
     Messages({User(), Call("c1", "browser_navigate", kNav + "}"), Result("c1"), Answer()}),
     {"arguments_not_json@1"},
     ""},
    {"ArgumentsNotObject",
     Messages({User(), Call("c1", "browser_navigate", R"(["https://x"])"), Result("c1"), Answer()}),
     {"arguments_not_object@1"},
     "messages[1]: tool call c1 (browser_navigate): arguments are a JSON array, expected an "
     "object"},
    {"ArgumentsNullIsNotObject",
     Messages({User(), Call("c1", "browser_snapshot", "null"), Result("c1"), Answer()}),
     {"arguments_not_object@1"},
     ""},
    {"EmptyArgumentsMeanNoArguments",
     Messages({User(), Call("c1", "browser_snapshot", ""), Result("c1"),
               Call("c2", "browser_snapshot", "  "), Result("c2"), Answer()}),
     {},
     ""},
    {"EmptyArgumentsStillNeedRequired",
     Messages({User(), Call("c1", "browser_navigate", ""), Result("c1"), Answer()}),
     {"schema_violation@1"},
     R"(messages[1]: tool call c1 (browser_navigate): missing required property "url")"},
    {"UnknownTool",
     Messages({User(), Call("c1", "browser_fly", "{}"), Result("c1"), Answer()}),
     {"unknown_tool@1"},
     R"(messages[1]: tool call c1 (browser_fly): unknown tool "browser_fly" (not among the trace's 3 tools))"},
    {"SchemaViolation",
     Messages({User(), Call("chatcmpl-tool-1", "browser_click", R"({"element": "Submit"})"),
               Result("chatcmpl-tool-1"), Answer()}),
     {"schema_violation@1"},
     R"(messages[1]: tool call chatcmpl-tool-1 (browser_click): missing required property "ref")"},
    {"SchemaViolationListsAll",
     Messages({User(), Call("c1", "browser_click", R"({"element": 5, "target": "e1"})"),
               Result("c1"), Answer()}),
     {"schema_violation@1"},
     R"(tool call c1 (browser_click): missing required property "ref"; $.element: expected string, got number; unexpected property "target")"},
    // execution
    {"ToolErrorRejected",
     Messages({User(), Call("chatcmpl-tool-1", "browser_click", R"({"element": "a", "ref": "e1"})"),
               Result("chatcmpl-tool-1", "User rejected tool call."), Answer()}),
     {"tool_error@2"},
     "messages[2]: tool result for call chatcmpl-tool-1 (browser_click): tool error (rejected): "
     "User rejected tool call."},
    {"ToolErrorPlaywright",
     Messages({User(), Call("c1", "browser_click", R"({"element": "a", "ref": "e9"})"),
               Result("c1",
                      "### Result\nError: Ref e9 not found in the current page snapshot. Try "
                      "capturing new snapshot."),
               Answer()}),
     {"tool_error@2"},
     "tool error (tool_reported_error): ### Result Error: Ref e9 not found"},
    {"ToolErrorOnOrphanStillReported",
     Messages({User(), Result("zz", "No response"), Answer()}),
     {"orphan_tool_message@1", "tool_error@1"},
     "messages[1]: tool result for call zz: matches no earlier tool call"},
    // outcome
    {"DanglingToolResult",
     Messages({User(), Call("c1", "browser_navigate", kNav), Result("c1")}),
     {"dangling_tool_call@2"},
     "messages[2]: trace ends with a tool result"},
    {"DanglingToolCall",
     Messages({User(), Call("c1", "browser_navigate", kNav)}),
     {"missing_tool_result@1", "dangling_tool_call@1"},
     ""},
    {"EndsWithUser",
     Messages({User(), Answer(), User("and now?")}),
     {"no_final_answer@2"},
     "messages[2]: trace ends with a user message, not an assistant answer"},
    {"EndsWithReasoningOnly",
     Messages(
         {User(), R"({"role": "assistant", "content": "\n\n", "reasoning_content": "thinking"})"}),
     {"no_final_answer@1"},
     "messages[1]: final assistant message has no content text"},
    {"EndsWithEmptyAssistant",
     Messages({User(), Answer("")}),
     {"empty_assistant_message@1", "no_final_answer@1"},
     ""},
    {"OnlySystem",
     Messages({R"({"role": "system", "content": "s"})"}),
     {"no_final_answer@0"},
     "trace ends with a system message"},
    {"OutcomeFailure",
     Messages({User(), Answer()}),
     {"outcome_failed@-1"},
     "outcome status is \"failure\": login wall",
     R"(, "outcome": {"status": "failure", "detail": "login wall"})"},
    {"OutcomeAbortedString",
     Messages({User(), Answer()}),
     {"outcome_failed@-1"},
     "outcome status is \"aborted\"",
     R"(, "outcome": "aborted")"},
    {"OutcomeError",
     Messages({User(), Answer()}),
     {"outcome_failed@-1"},
     "",
     R"(, "outcome": {"status": "error"})"},
    {"OutcomeIncomplete",  // the collector's mark on a trace whose agent never finished
     Messages({User(), Answer()}),
     {"outcome_failed@-1"},
     "outcome status is \"incomplete\"",
     R"(, "outcome": {"status": "incomplete"})"},
    {"OutcomeUnknownIsFine",
     Messages({User(), Answer()}),
     {},
     "",
     R"(, "outcome": {"status": "", "reward": 0.0})"},
    {"EmptyTraceWithFailedOutcome",
     "[]",
     {"empty_trace@-1", "outcome_failed@-1"},
     "",
     R"(, "outcome": "failure")"},
};

INSTANTIATE_TEST_SUITE_P(Checks, GateTableTest, ::testing::ValuesIn(kGateCases),
                         [](const ::testing::TestParamInfo<GateCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(GatesTest, FindingsComeInMessageOrderWithGates) {
  Trace trace =
      MakeTrace(Messages({Answer("hi"), User(), Call("c1", "browser_fly", "[1]"),
                          Result("c1", "Tool browser_fly not found"), Result("c2"), User("?")}),
                R"(, "outcome": "failure")");
  std::vector<Finding> findings = RunGates(trace);
  EXPECT_THAT(Summary(findings),
              ElementsAre("first_turn_not_user@0", "arguments_not_object@2", "unknown_tool@2",
                          "tool_error@3", "orphan_tool_message@4", "no_final_answer@5",
                          "outcome_failed@-1"));
  ASSERT_THAT(findings, SizeIs(7));
  EXPECT_EQ(findings[0].gate, Gate::kStructure);
  EXPECT_EQ(findings[1].gate, Gate::kFormat);
  EXPECT_EQ(findings[3].gate, Gate::kExecution);
  EXPECT_THAT(findings[3].message, HasSubstr("tool error (not_found)"));
  EXPECT_EQ(findings[5].gate, Gate::kOutcome);
  EXPECT_EQ(findings[6].gate, Gate::kOutcome);
}

TEST(GatesTest, ToolErrorFindingsCarryTheirKind) {
  Trace trace = MakeTrace(Messages(
      {User(), Call("c1", "browser_fly", "{}"), Result("c1", "Tool browser_fly not found"),
       Call("c2", "browser_snapshot", "{}"), Result("c2", "User rejected tool call."),
       Call("c3", "browser_snapshot", "{}"), Result("c3", "No response"),
       Call("c4", "browser_snapshot", "{}"), Result("c4", "Error: boom"),
       Call("c5", "browser_snapshot", "{}"),
       R"({"role": "tool", "tool_call_id": "c5", "content": "x", "is_error": true})", Answer()}));
  std::vector<std::string> kinds;
  for (const Finding& f : RunGates(trace)) {
    if (f.check == "tool_error") {
      EXPECT_EQ(f.gate, Gate::kExecution);
      kinds.push_back(f.kind);
    } else {
      EXPECT_EQ(f.kind, "") << f.check;
    }
  }
  EXPECT_THAT(kinds,
              ElementsAre("not_found", "rejected", "transport", "tool_reported_error", "is_error"));
}

TEST(GatesTest, ContentPartsOfAnyShapeDoNotThrow) {
  Trace trace = MakeTrace(
      Messages({User(), Call("c1", "browser_snapshot", "{}"), Result("c1", "Error: x"), Answer()}));
  for (Message& m : trace.messages) {
    m.content.reset();
    m.content_parts = Json::parse(R"([{"type":1,"text":"x"},{"type":"text","text":5}])");
  }
  std::vector<Finding> findings;
  EXPECT_NO_THROW(findings = RunGates(trace));
  // No part is text: the final answer is empty, and the tool result no error text.
  EXPECT_THAT(Summary(findings), ElementsAre("empty_assistant_message@3", "no_final_answer@3"));
  trace.messages[2].content_parts.push_back(Json{{"type", "text"}, {"text", "Error: y"}});
  findings = RunGates(trace);
  EXPECT_THAT(Summary(findings),
              ElementsAre("tool_error@2", "empty_assistant_message@3", "no_final_answer@3"));
  EXPECT_EQ(findings[0].kind, "tool_reported_error");
}

TEST(GatesTest, DeeplyNestedArgumentsAreNotJson) {
  constexpr int kDepth = 100000;
  Trace trace =
      MakeTrace(Messages({User(), Call("c1", "browser_navigate", "{}"), Result("c1"), Answer()}));
  trace.messages[1].tool_calls[0].arguments =
      base::StrCat(R"({"url": )", std::string(kDepth, '['), std::string(kDepth, ']'), "}");
  // A JSON-RPC-looking result nested too deeply to parse is not an RPC error.
  trace.messages[2].content = base::StrCat(R"({"code": -32000, "message": "x", "data": )",
                                           std::string(30000, '['), std::string(30000, ']'), "}");
  std::vector<Finding> findings = RunGates(trace);
  EXPECT_THAT(Summary(findings), ElementsAre("arguments_not_json@1"));
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_THAT(findings[0].message, HasSubstr("nested deeper than 1024 levels"));
}

TEST(GatesTest, TooComplexSchemaIsReported) {
  // anyOf nested 40 levels through $ref: 2^40 paths.
  Json defs = Json::object();
  for (int i = 0; i < 40; ++i) {
    Json ref = {{"$ref", base::StrCat("#/$defs/d", i + 1)}};
    defs[base::StrCat("d", i)] = {{"anyOf", Json::array({ref, ref})}};
  }
  defs["d40"] = {{"type", "string"}};
  Trace trace =
      MakeTrace(Messages({User(), Call("c1", "hostile", R"({"x": 1})"), Result("c1"), Answer()}));
  Json tool = {{"type", "function"},
               {"function",
                {{"name", "hostile"},
                 {"parameters",
                  {{"type", "object"},
                   {"$defs", defs},
                   {"properties", {{"x", {{"$ref", "#/$defs/d0"}}}}}}}}}};
  trace.tools.push_back(*ParseToolDef(tool, "t", "tools[3]"));
  std::vector<Finding> findings = RunGates(trace);
  ASSERT_THAT(Summary(findings), ElementsAre("schema_violation@1"));
  EXPECT_THAT(findings[0].message,
              HasSubstr("tool call c1 (hostile): schema too complex to check (gave up after "
                        "100000 keyword evaluations)"));
}

TEST(GatesTest, SchemaCheckCanBeTurnedOff) {
  Trace trace = MakeTrace(
      Messages({User(), Call("c1", "browser_click", R"({"element": 1})"), Result("c1"), Answer()}));
  EXPECT_THAT(Summary(RunGates(trace)), ElementsAre("schema_violation@1"));
  GateOptions options;
  options.check_schema = false;
  EXPECT_THAT(Summary(RunGates(trace, options)), IsEmpty());
}

TEST(GatesTest, SchemaViolationListIsCapped) {
  Trace trace = MakeTrace(Messages(
      {User(),
       Call("c1", "browser_click", R"({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7})"),
       Result("c1"), Answer()}));
  std::vector<Finding> findings = RunGates(trace);
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_THAT(findings[0].message, HasSubstr(R"(unexpected property "c"; ...)"));
  EXPECT_THAT(findings[0].message, ::testing::Not(HasSubstr(R"("d")")));
}

TEST(GatesTest, ToolWithoutParametersAcceptsAnyObject) {
  Trace trace =
      MakeTrace(Messages({User(), Call("c1", "free", R"({"x": 1})"), Result("c1"), Answer()}));
  trace.tools.push_back(*ParseToolDef(Json::parse(R"({"name": "free"})"), "t", "tools[3]"));
  EXPECT_THAT(Summary(RunGates(trace)), IsEmpty());
}

TEST(GatesTest, TraceWithoutToolsReportsUnknownTool) {
  Trace trace =
      MakeTrace(Messages({User(), Call("c1", "browser_navigate", kNav), Result("c1"), Answer()}));
  trace.tools.clear();
  std::vector<Finding> findings = RunGates(trace);
  EXPECT_THAT(Summary(findings), ElementsAre("unknown_tool@1"));
  EXPECT_THAT(findings[0].message, HasSubstr("the trace lists no tools"));
}

// ---- IsToolErrorResult ----

Message ToolMessage(const std::string& json) {
  absl::StatusOr<Message> m = ParseMessage(Json::parse(json), "test", "message");
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : Message();
}

Message ToolText(const std::string& content) {
  return ToolMessage(base::StrCat(R"({"role": "tool", "tool_call_id": "c1", "content": )",
                                  Json(content).dump(), "}"));
}

struct ErrorCase {
  const char* name;
  std::string content;
  std::string kind;  // "" = not an error
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ToolErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ToolErrorTest, Classifies) {
  const ErrorCase& c = GetParam();
  std::string kind = "unset";
  bool is_error = IsToolErrorResult(ToolText(c.content), &kind);
  if (c.kind.empty()) {
    EXPECT_FALSE(is_error) << c.content << " -> " << kind;
  } else {
    EXPECT_TRUE(is_error) << c.content;
    EXPECT_EQ(kind, c.kind) << c.content;
  }
}

const ErrorCase kErrorCases[] = {
    {"Rejected", "User rejected tool call.", "rejected"},
    {"RejectedWithNewline", "User rejected tool call.\n", "rejected"},
    {"NotFoundReference", "Tool browser_fly not found", "not_found"},
    {"NotFoundRpcCode", R"({"code": -32601, "message": "Method not found"})", "not_found"},
    {"NotFoundRpcInvalidParams", R"({"code": -32602, "message": "Tool browser_fly not found"})",
     "not_found"},
    {"NotFoundUnknownTool", R"({'code': -32602, 'message': 'Unknown tool: browser_fly'})",
     "not_found"},
    {"NoResponse", "No response", "transport"},
    {"RpcJson", R"({"code": -32000, "message": "Connection closed"})", "transport"},
    {"RpcJsonWithData", R"({"message": "Internal error", "code": -32603, "data": {"x": 1}})",
     "transport"},
    {"RpcPythonRepr", R"({'code': -32603, 'message': 'Internal error'})", "transport"},
    {"RpcPythonReprDoubleQuoted", R"({'code': -32000, 'message': "can't connect"})", "transport"},
    {"RpcAfterErrorPrefix", R"(Error: {'code': -32000, 'message': 'Request timed out'})",
     "transport"},
    {"ReportedError", "Error: Element not found", "tool_reported_error"},
    {"ReportedErrorExecuting", "Error executing tool browser_click: Timeout 5000ms exceeded",
     "tool_reported_error"},
    {"PlaywrightResultError",
     "### Result\nError: Ref e9 not found in the current page snapshot. Try capturing new "
     "snapshot.",
     "tool_reported_error"},
    {"PlaywrightTimeoutError",
     "### Ran Playwright code\n```js\nawait page.click();\n```\n\n### Result\nTimeoutError: "
     "locator.click: Timeout 5000ms exceeded.",
     "tool_reported_error"},
    {"PlaywrightErrorSection", "### Error\nError: No open pages available.", "tool_reported_error"},
    // Not errors: ordinary output that mentions errors.
    {"PlaywrightResultOk", "### Result\nClicked the \"Error log\" button", ""},
    {"PlaywrightResultErrorLater", "### Result\nFilled the form.\nError: shown on page", ""},
    {"PageMentionsError",
     "### Page state\n- Page Snapshot:\n```yaml\n- heading \"Error 404\" [level=1]\n- text: "
     "\"Error: page not found\"\n```",
     ""},
    {"ResultHeadingInsideLine", "text ### Result\nError: x", ""},
    {"SentenceWithError", "No error occurred. Error: none.", ""},
    {"LowercaseError", "error: something", ""},
    {"ErrorWordOnly", "Errors were fixed", ""},
    {"EmptyResult", "(empty tool result)", ""},
    {"Empty", "", ""},
    {"RejectedPlusMore", "User rejected tool call. Retrying differently.", ""},
    {"NoResponsesYet", "No responses yet", ""},
    {"ToolNotFoundMultiline", "Tool results:\n- x not found", ""},
    {"PositiveCodeObject", R"({"code": 200, "message": "OK"})", ""},
    {"RpcLikeWithOtherKeys", R"({"code": -1, "message": "x", "items": []})", ""},
    {"JsonOutput", R"({"results": [{"code": -32000, "message": "x"}]})", ""},
    {"PythonDictOther", R"({'status': 'ok'})", ""},
};

INSTANTIATE_TEST_SUITE_P(Kinds, ToolErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(ToolErrorResultTest, IsErrorMarks) {
  std::string kind;
  EXPECT_TRUE(IsToolErrorResult(
      ToolMessage(R"({"role": "tool", "tool_call_id": "c1", "content": "boom", "is_error": true})"),
      &kind));
  EXPECT_EQ(kind, "is_error");
  kind.clear();
  EXPECT_TRUE(IsToolErrorResult(
      ToolMessage(R"({"role": "tool", "tool_call_id": "c1", "content": "ok", "isError": true})"),
      &kind));
  EXPECT_EQ(kind, "is_error");
  EXPECT_FALSE(IsToolErrorResult(
      ToolMessage(R"({"role": "tool", "tool_call_id": "c1", "content": "ok", "isError": false})"),
      &kind));
  EXPECT_FALSE(IsToolErrorResult(
      ToolMessage(R"({"role": "tool", "tool_call_id": "c1", "content": "ok", "is_error": "true"})"),
      &kind));
}

TEST(ToolErrorResultTest, ContentPartsAreRead) {
  std::string kind;
  EXPECT_TRUE(IsToolErrorResult(ToolMessage(R"({"role": "tool", "tool_call_id": "c1",
                      "content": [{"type": "text", "text": "Error: boom"}]})"),
                                &kind));
  EXPECT_EQ(kind, "tool_reported_error");
}

TEST(ToolErrorResultTest, OnlyToolMessages) {
  Message user = ToolMessage(R"({"role": "user", "content": "User rejected tool call."})");
  EXPECT_FALSE(IsToolErrorResult(user, nullptr));
  EXPECT_TRUE(IsToolErrorResult(ToolText("No response"), nullptr));  // kind may be null
}

TEST(ToolErrorResultTest, LongResultIsQuotedShort) {
  std::string content = "Error: " + std::string(5000, 'x');
  Trace trace = MakeTrace(
      Messages({User(), Call("c1", "browser_snapshot", "{}"), Result("c1", content), Answer()}));
  std::vector<Finding> findings = RunGates(trace);
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_LT(findings[0].message.size(), 300u);
  EXPECT_THAT(findings[0].message, HasSubstr("xxx..."));
}

}  // namespace
}  // namespace tracemill::trace
