#include "libs/llm/hermes.h"

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tracemill::llm {

void PrintTo(const HermesToolCall& c, std::ostream* os) {
  *os << "#" << c.index << " " << c.name << " " << c.arguments;
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

HermesToolCall Call(int index, std::string name, std::string arguments) {
  return HermesToolCall{index, std::move(name), std::move(arguments)};
}

HermesOptions Start(HermesStart start) {
  HermesOptions options;
  options.start = start;
  return options;
}

HermesOptions Strict() {
  HermesOptions options;
  options.repair = false;
  return options;
}

// The brief's example, as Qwen3 writes it.
constexpr char kQwen3Turn[] =
    "<think>\nI should look at the page.\n</think>\n\nLet me check.\n<tool_call>\n"
    "{\"name\": \"browser_navigate\", \"arguments\": {\"url\": \"http://x/1\"}}\n</tool_call>\n"
    "<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.txt\"}}\n</tool_call>";

TEST(HermesTest, Qwen3Turn) {
  HermesOutput out = ParseHermes(kQwen3Turn);
  EXPECT_EQ(out.reasoning, "I should look at the page.");
  EXPECT_EQ(out.content, "Let me check.");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "browser_navigate", R"({"url":"http://x/1"})"),
                                          Call(1, "read_file", R"({"path":"a.txt"})")));
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, PlainTextIsContent) {
  HermesOutput out = ParseHermes("  Hello,\n\nworld.  \n");
  EXPECT_EQ(out.content, "Hello,\n\nworld.");
  EXPECT_EQ(out.reasoning, "");
  EXPECT_THAT(out.tool_calls, IsEmpty());
  EXPECT_THAT(out.problems, IsEmpty());
  EXPECT_EQ(ParseHermes(""), HermesOutput());
  EXPECT_EQ(ParseHermes("a < b <= c <t <<think"), (HermesOutput{"a < b <= c <t <<think"}));
}

TEST(HermesTest, TextBeforeBetweenAndAfterCallsIsContent) {
  HermesOutput out = ParseHermes(
      "Intro.\n<tool_call>\n{\"name\":\"a\",\"arguments\":{}}\n</tool_call>\nBetween.\n"
      "<tool_call>\n{\"name\":\"b\"}\n</tool_call>\nAfter.\n");
  EXPECT_EQ(out.content, "Intro.\n\nBetween.\n\nAfter.");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "a", "{}"), Call(1, "b", "{}")));
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, CallInTheMiddleOfALine) {
  HermesOutput out = ParseHermes(
      "Calling <tool_call>{\"name\":\"a\",\"arguments\":{\"x\":[1,2]}}</tool_call> now");
  EXPECT_EQ(out.content, "Calling\n\nnow");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "a", R"({"x":[1,2]})")));
}

TEST(HermesTest, ExtraClosingBraceIsIgnored) {
  HermesOutput out =
      ParseHermes("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}}\n</tool_call>");
  EXPECT_EQ(out.content, "");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"a":1})")));
  EXPECT_THAT(out.problems, ElementsAre("byte 48: ignored text in tool call: '}'"));
}

TEST(HermesTest, SeveralObjectsInOneBlockAreSeveralCalls) {
  HermesOutput out = ParseHermes(
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n"
      "{\"name\": \"g\", \"arguments\": {\"x\": true}}\n</tool_call>");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", "{}"), Call(1, "g", R"({"x":true})")));
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, TextAroundTheJsonIsIgnored) {
  HermesOutput out =
      ParseHermes("<tool_call>\nnow: {\"name\": \"f\"} and more words\n</tool_call>");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", "{}")));
  EXPECT_THAT(out.problems, ElementsAre("byte 12: ignored text in tool call: 'now:'",
                                        "byte 31: ignored text in tool call: 'and more words'"));
  EXPECT_EQ(out.content, "");
}

TEST(HermesTest, ObjectsWithoutNameBesideACallAreIgnored) {
  HermesOutput out = ParseHermes("<tool_call>{\"x\": 1}{\"name\": \"f\"}[3]</tool_call>");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", "{}")));
  EXPECT_THAT(out.problems, ElementsAre("byte 11: ignored JSON: no \"name\" string",
                                        "byte 32: ignored JSON: a JSON number, not an object"));
}

TEST(HermesTest, ArrayOfCalls) {
  HermesOutput out = ParseHermes(
      "<tool_call>[{\"name\": \"f\", \"arguments\": {\"a\": 1}}, {\"name\": \"g\"}]</tool_call>");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"a":1})"), Call(1, "g", "{}")));
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, MissingClosingBraceIsRepaired) {
  HermesOutput out =
      ParseHermes("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}\n</tool_call>\nok");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"a":1})")));
  EXPECT_THAT(out.problems, ElementsAre("byte 12: repaired tool call JSON: closed 1 bracket(s)"));
  EXPECT_EQ(out.content, "ok");
}

TEST(HermesTest, MissingBracesAtTheEndOfTheText) {
  HermesOutput out = ParseHermes("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1, 2");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"a":[1,2]})")));
  EXPECT_THAT(out.problems, ElementsAre("byte 0: <tool_call> not closed before the end",
                                        "byte 12: repaired tool call JSON: closed 3 bracket(s)"));
}

TEST(HermesTest, CutOffStringIsClosed) {
  HermesOutput out = ParseHermes(
      "<tool_call>\n{\"name\": \"write\", \"arguments\": {\"path\": \"a.txt\", \"text\": "
      "\"hel\\u00");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "write", R"({"path":"a.txt","text":"hel"})")));
  EXPECT_THAT(out.problems,
              ElementsAre("byte 0: <tool_call> not closed before the end",
                          "byte 12: repaired tool call JSON: closed a string and 2 bracket(s)"));
}

TEST(HermesTest, CutOffMemberIsDropped) {
  for (const char* tail : {"\"b", "\"b\"", "\"b\":", "\"b\": tru", "\"b\": -", "\"b\": 1."}) {
    HermesOutput out =
        ParseHermes(std::string("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1, ") + tail);
    EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"a":1})"))) << tail;
  }
  HermesOutput out = ParseHermes("<tool_call>{\"name\": \"f\", \"arguments\": {\"b\":[");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"b":[]})")));
}

TEST(HermesTest, TrailingCommasAndRawNewlinesAreRepaired) {
  HermesOutput out = ParseHermes(
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"code\": \"a\nb\\\n\tc\", \"l\": [1,],},}\n"
      "</tool_call>");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"code":"a\nb\n\tc","l":[1]})")));
  EXPECT_THAT(out.problems,
              ElementsAre("byte 12: repaired tool call JSON: escaped control characters in "
                          "strings or dropped trailing commas"));
}

TEST(HermesTest, UnterminatedStringWithNewlineStillEndsTheBlock) {
  HermesOutput out = ParseHermes(
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"q\": \"x}}\n</tool_call>\n"
      "<tool_call>\n{\"name\": \"g\"}\n</tool_call>");
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].name, "f");
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"q":"x}}\n"})");
  EXPECT_EQ(out.tool_calls[1], Call(1, "g", "{}"));
}

TEST(HermesTest, ToolCallInsideThinkIsReasoning) {
  HermesOutput out = ParseHermes(
      "<think>\nMaybe <tool_call>\n{\"name\":\"x\"}\n</tool_call> later.\n</think>\nDone.");
  EXPECT_EQ(out.reasoning, "Maybe <tool_call>\n{\"name\":\"x\"}\n</tool_call> later.");
  EXPECT_EQ(out.content, "Done.");
  EXPECT_THAT(out.tool_calls, IsEmpty());
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, TagsInsideJsonStringsAreData) {
  HermesOutput out = ParseHermes(
      "<tool_call>\n{\"name\": \"run\", \"arguments\": {\"code\": \"if (a) { b(); } }\", "
      "\"text\": \"see </tool_call> and <tool_call> and \\\"</tool_call>\\\" docs\"}}\n"
      "</tool_call>after");
  EXPECT_THAT(out.tool_calls,
              ElementsAre(Call(0, "run",
                               R"({"code":"if (a) { b(); } }","text":"see </tool_call> and )"
                               R"(<tool_call> and \"</tool_call>\" docs"})")));
  EXPECT_EQ(out.content, "after");
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, ArgumentsVariants) {
  HermesOutput out = ParseHermes(
      "<tool_call>{\"name\": \"s\", \"arguments\": \"{\\\"a\\\": {\\\"b\\\": 1}}\"}</tool_call>"
      "<tool_call>{\"name\": \"p\", \"parameters\": {\"b\": 2}}</tool_call>"
      "<tool_call>{\"name\": \"n\", \"arguments\": null}</tool_call>"
      "<tool_call>{\"name\": \"e\", \"arguments\": \"\"}</tool_call>"
      "<tool_call>{\"type\": \"function\", \"function\": {\"name\": \"o\", \"arguments\": "
      "\"{\\\"c\\\": 3\"}}</tool_call>");
  EXPECT_THAT(out.tool_calls,
              ElementsAre(Call(0, "s", R"({"a":{"b":1}})"), Call(1, "p", R"({"b":2})"),
                          Call(2, "n", "{}"), Call(3, "e", "{}"), Call(4, "o", R"({"c":3})")));
  EXPECT_THAT(out.problems,
              ElementsAre("byte 11: \"arguments\" was a JSON string; decoded",
                          "byte 251: \"arguments\" was a JSON string; decoded and repaired: "
                          "closed 1 bracket(s)"));
  EXPECT_EQ(out.content, "");
}

TEST(HermesTest, KeyOrderAndUnicodeAreKept) {
  HermesOutput out = ParseHermes(
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"z\": \"\xC3\xA9\", \"a\": \"\\u00e9\\n\"}}"
      "</tool_call>");
  EXPECT_THAT(out.tool_calls,
              ElementsAre(Call(0, "f", "{\"z\":\"\xC3\xA9\",\"a\":\"\xC3\xA9\\n\"}")));
}

TEST(HermesTest, NotACallIsKeptAsContent) {
  HermesOutput out = ParseHermes(
      "A\n<tool_call>\n{\"arguments\": {}}\n</tool_call>\nB\n"
      "<tool_call>{\"name\": \"f\", \"arguments\": 5}</tool_call>"
      "<tool_call>{\"name\": \"f\", \"arguments\": \"not json\"}</tool_call>"
      "<tool_call>plain words</tool_call><tool_call></tool_call>");
  EXPECT_EQ(out.content,
            "A\n<tool_call>\n{\"arguments\": {}}\n</tool_call>\nB\n"
            "<tool_call>{\"name\": \"f\", \"arguments\": 5}</tool_call>"
            "<tool_call>{\"name\": \"f\", \"arguments\": \"not json\"}</tool_call>"
            "<tool_call>plain words</tool_call><tool_call></tool_call>");
  EXPECT_THAT(out.tool_calls, IsEmpty());
  EXPECT_THAT(
      out.problems,
      ElementsAre(
          "byte 2: not a tool call (no \"name\" string); kept as content",
          "byte 47: not a tool call (\"arguments\" is a number, not an object); kept as content",
          "byte 99: not a tool call (\"arguments\" is a string that is not a JSON object); "
          "kept as content",
          "byte 160: not a tool call (no JSON object); kept as content",
          "byte 194: not a tool call (empty); kept as content"));
}

TEST(HermesTest, InvalidJsonIsKeptAsContent) {
  HermesOutput out = ParseHermes("<tool_call>{'name': 'f'}</tool_call>");
  EXPECT_EQ(out.content, "<tool_call>{'name': 'f'}</tool_call>");
  EXPECT_THAT(out.problems, ElementsAre("byte 0: not a tool call (invalid JSON); kept as content"));
}

TEST(HermesTest, UnclosedThinkIsReasoning) {
  HermesOutput out = ParseHermes("Hi <think>\nhmm\n<tool_call>\n{\"name\": \"f\"}");
  EXPECT_EQ(out.content, "Hi");
  EXPECT_EQ(out.reasoning, "hmm\n<tool_call>\n{\"name\": \"f\"}");
  EXPECT_THAT(out.tool_calls, IsEmpty());
  EXPECT_THAT(out.problems, ElementsAre("byte 3: <think> not closed; the rest is reasoning"));
}

TEST(HermesTest, CloseThinkWithoutOpen) {
  const std::string text = "I think.\n</think>\n\nAnswer.";
  HermesOutput detect = ParseHermes(text);
  EXPECT_EQ(detect.reasoning, "I think.");
  EXPECT_EQ(detect.content, "Answer.");
  EXPECT_THAT(detect.problems, IsEmpty());
  EXPECT_EQ(ParseHermes(text, Start(HermesStart::kReasoning)), detect);
  HermesOutput content = ParseHermes(text, Start(HermesStart::kContent));
  EXPECT_EQ(content.content, "I think.\n</think>\n\nAnswer.");
  EXPECT_EQ(content.reasoning, "");
  EXPECT_THAT(content.problems, ElementsAre("byte 9: stray </think> kept as content"));
  // Only the first tag decides.
  HermesOutput late = ParseHermes("<tool_call>{\"name\":\"f\"}</tool_call> x </think> y");
  EXPECT_EQ(late.content, "x </think> y");
  EXPECT_THAT(late.problems, ElementsAre("byte 38: stray </think> kept as content"));
}

TEST(HermesTest, StartsInReasoning) {
  HermesOptions options = Start(HermesStart::kReasoning);
  HermesOutput out = ParseHermes(
      "Let me think.\n</think>\n\n<tool_call>\n{\"name\": \"f\"}\n"
      "</tool_call>",
      options);
  EXPECT_EQ(out.reasoning, "Let me think.");
  EXPECT_EQ(out.content, "");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", "{}")));
  // A template that did not open <think> after all.
  EXPECT_EQ(ParseHermes("<think>\nA\n</think>\nB", options), (HermesOutput{"B", "A"}));
  HermesOutput cut = ParseHermes("Still thinking <tool_call>", options);
  EXPECT_EQ(cut.reasoning, "Still thinking <tool_call>");
  EXPECT_THAT(cut.problems, ElementsAre("byte 0: reasoning not closed by </think>"));
}

TEST(HermesTest, SeveralThinkBlocksAreJoined) {
  HermesOutput out =
      ParseHermes("<think> a </think> x <think>\n\n</think><think>b<think>c</think>");
  EXPECT_EQ(out.reasoning, "a\n\nb<think>c");
  EXPECT_EQ(out.content, "x");
}

TEST(HermesTest, UnclosedCallIsEndedByTheNext) {
  HermesOutput out = ParseHermes(
      "<tool_call>\n{\"name\": \"a\", \"arguments\": {}\n<tool_call>\n{\"name\": \"b\"}\n"
      "</tool_call>");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "a", "{}"), Call(1, "b", "{}")));
  EXPECT_THAT(out.problems,
              ElementsAre("byte 0: <tool_call> not closed before the next <tool_call>",
                          "byte 12: repaired tool call JSON: closed 1 bracket(s)"));
}

TEST(HermesTest, CutOffTextThatIsNotACallIsContent) {
  HermesOutput out = ParseHermes("Sure.\n<tool_call>\n{\"nam");
  EXPECT_EQ(out.content, "Sure.\n<tool_call>\n{\"nam");
  EXPECT_THAT(out.tool_calls, IsEmpty());
  EXPECT_THAT(out.problems,
              ElementsAre("byte 6: not a tool call (no \"name\" string); kept as content"));
  EXPECT_EQ(ParseHermes("x <tool_").content, "x <tool_");
  EXPECT_EQ(ParseHermes("<tool_call>").content, "<tool_call>");
}

TEST(HermesTest, StrayClosingCallTag) {
  HermesOutput out = ParseHermes("a </tool_call> b");
  EXPECT_EQ(out.content, "a </tool_call> b");
  EXPECT_THAT(out.problems, ElementsAre("byte 2: stray </tool_call> kept as content"));
}

TEST(HermesTest, QwenCoderXmlCalls) {
  HermesOutput out = ParseHermes(
      "Running.\n<tool_call>\n<function=run>\n<parameter=cmd>\nls -la\n</parameter>\n"
      "<parameter=timeout>\n30\n</parameter>\n<parameter=opts>\n{\"a\": [true]}\n</parameter>\n"
      "<parameter=code>\nif (a) { \"b\n}\n</parameter>\n</function>\n</tool_call>\n"
      "<tool_call>\n<function=read>\n<parameter=zip>\n007\n</parameter>\n</function>\n"
      "<function=ping>\n</function>\n</tool_call>");
  EXPECT_EQ(out.content, "Running.");
  EXPECT_THAT(out.tool_calls,
              ElementsAre(Call(0, "run",
                               R"({"cmd":"ls -la","timeout":30,"opts":{"a":[true]},)"
                               R"("code":"if (a) { \"b\n}"})"),
                          Call(1, "read", R"({"zip":"007"})"), Call(2, "ping", "{}")));
  EXPECT_THAT(out.problems, IsEmpty());
}

TEST(HermesTest, QwenCoderXmlRepairs) {
  HermesOutput out =
      ParseHermes("<tool_call>\n<function=f>\n<parameter=a>\n1\n<parameter=b>\nx\n</parameter>\n");
  EXPECT_THAT(out.tool_calls, ElementsAre(Call(0, "f", R"({"a":1,"b":"x"})")));
  EXPECT_THAT(out.problems,
              ElementsAre("byte 0: <tool_call> not closed before the end",
                          "byte 25: parameter 'a' not closed", "byte 12: <function= not closed"));
  HermesOutput nameless = ParseHermes("<tool_call><function=>\n</function></tool_call>");
  EXPECT_EQ(nameless.content, "<tool_call><function=>\n</function></tool_call>");
  EXPECT_THAT(nameless.problems,
              ElementsAre("byte 0: not a tool call (a function without a name); kept as content"));
}

TEST(HermesTest, InvalidUtf8PassesThrough) {
  const std::string text = "\xff\xfe <think>\xc3</think>\x80 ok \xe2\x82";
  HermesOutput out = ParseHermes(text);
  EXPECT_EQ(out.content, "\xff\xfe\n\n\x80 ok \xe2\x82");
  EXPECT_EQ(out.reasoning, "\xc3");
  HermesOutput call = ParseHermes(
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": \"\xff\"}}"
      "</tool_call>");
  EXPECT_THAT(call.tool_calls, IsEmpty());
  EXPECT_THAT(call.problems,
              ElementsAre("byte 0: not a tool call (invalid JSON); kept as content"));
}

TEST(HermesTest, DeepNestingIsRefused) {
  const std::string deep =
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": " + std::string(300, '[') +
      std::string(300, ']') + "}}</tool_call>";
  HermesOutput out = ParseHermes(deep);
  EXPECT_THAT(out.tool_calls, IsEmpty());
  EXPECT_THAT(out.problems, ElementsAre("byte 0: not a tool call (JSON nested deeper than 256); "
                                        "kept as content"));
  const std::string ok =
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": " + std::string(200, '[') +
      std::string(200, ']') + "}}</tool_call>";
  EXPECT_EQ(ParseHermes(ok).tool_calls.size(), 1u);
}

// Large pathological inputs finish (the work is linear) and keep their bytes.
TEST(HermesTest, LargeInputs) {
  const size_t n = 1 << 20;
  std::vector<std::string> inputs = {
      std::string(n, '<'),
      std::string(n, '{'),
      "<tool_call>" + std::string(n, '{'),
      "<tool_call>" + std::string(n, '['),
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": \"" + std::string(n, '\\'),
      "<tool_call>{\"a\":1}" + std::string(n, '}'),
      "<tool_call>\n<function=f>\n" + std::string(n, '<'),
      "<think>" + std::string(n, ' ') + "x",
  };
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "<tool_call>{\"name\":\"f\"}</tool_call>\n<tool_call>{";
  inputs.push_back(many);
  std::string xml = "<tool_call>\n<function=f>\n";
  for (int i = 0; i < 20000; ++i) xml += "<parameter=p>\nv\n";
  inputs.push_back(xml);
  for (const std::string& text : inputs) {
    HermesOutput out = ParseHermes(text);
    EXPECT_LE(out.content.size(), text.size());
  }
  EXPECT_EQ(ParseHermes(std::string(n, '<')).content, std::string(n, '<'));
  EXPECT_EQ(ParseHermes(many).tool_calls.size(), 20000u);
  EXPECT_EQ(ParseHermes(xml).tool_calls.size(), 1u);
}

// A call cut off at max_tokens: repaired into a call by default, refused when strict.
TEST(HermesStrictTest, CutOffCallIsContent) {
  const std::string text =
      "Writing it.\n<tool_call>\n{\"name\": \"write_file\", \"arguments\": {\"path\": \"/a\", "
      "\"content\": \"hel";
  HermesOutput repaired = ParseHermes(text);
  EXPECT_THAT(repaired.tool_calls,
              ElementsAre(Call(0, "write_file", R"({"path":"/a","content":"hel"})")));
  EXPECT_EQ(repaired.content, "Writing it.");
  HermesOutput strict = ParseHermes(text, Strict());
  EXPECT_THAT(strict.tool_calls, IsEmpty());
  EXPECT_EQ(strict.content, text);
  EXPECT_EQ(strict.reasoning, "");
  EXPECT_THAT(strict.problems,
              ElementsAre("byte 12: not a tool call (<tool_call> not closed before the end); "
                          "kept as content"));
}

TEST(HermesStrictTest, MissingCloseTagIsContent) {
  const std::string text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n";
  EXPECT_THAT(ParseHermes(text).tool_calls, ElementsAre(Call(0, "f", R"({"a":1})")));
  HermesOutput strict = ParseHermes(text, Strict());
  EXPECT_THAT(strict.tool_calls, IsEmpty());
  EXPECT_EQ(strict.content, "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}");
  EXPECT_THAT(strict.problems,
              ElementsAre("byte 0: not a tool call (<tool_call> not closed before the end); "
                          "kept as content"));
  // Ended by the next block: that one still counts, and is call 0.
  HermesOutput next = ParseHermes(
      "<tool_call>{\"name\": \"a\"}\n<tool_call>{\"name\": \"b\"}</tool_call>", Strict());
  EXPECT_THAT(next.tool_calls, ElementsAre(Call(0, "b", "{}")));
  EXPECT_EQ(next.content, "<tool_call>{\"name\": \"a\"}");
  EXPECT_THAT(next.problems,
              ElementsAre("byte 0: not a tool call (<tool_call> not closed before the next "
                          "<tool_call>); kept as content"));
}

TEST(HermesStrictTest, JsonThatNeedsRepairIsContent) {
  struct Case {
    std::string text;
    size_t repaired_calls;  // without strict mode
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1,}}\n</tool_call>", 1,
       "byte 0: not a tool call (JSON would need repair: escaped control characters in strings "
       "or dropped trailing commas); kept as content"},
      {"<tool_call>{\"name\": \"f\", \"arguments\": {\"code\": \"a\nb\"}}</tool_call>", 1,
       "byte 0: not a tool call (JSON would need repair: escaped control characters in strings "
       "or dropped trailing commas); kept as content"},
      {"<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}\n</tool_call>", 1,
       "byte 0: not a tool call (JSON would need repair: closed 1 bracket(s)); kept as content"},
      // One broken object refuses the whole block, the clean call beside it too.
      {"<tool_call>\n{\"name\": \"f\"}\n{\"name\": \"g\", \"arguments\": {\"a\": [1,]}}\n"
       "</tool_call>",
       2,
       "byte 0: not a tool call (JSON would need repair: escaped control characters in strings "
       "or dropped trailing commas); kept as content"},
      {"<tool_call>{\"name\": \"f\"} {\"name\": 'g'}</tool_call>", 1,
       "byte 0: not a tool call (invalid JSON); kept as content"},
      {"<tool_call>{\"name\": \"o\", \"arguments\": \"{\\\"c\\\": 3\"}</tool_call>", 1,
       "byte 0: not a tool call (\"arguments\" string would need repair: closed 1 bracket(s)); "
       "kept as content"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseHermes(c.text).tool_calls.size(), c.repaired_calls) << c.text;
    HermesOutput strict = ParseHermes(c.text, Strict());
    EXPECT_THAT(strict.tool_calls, IsEmpty()) << c.text;
    EXPECT_EQ(strict.content, c.text);
    EXPECT_THAT(strict.problems, ElementsAre(c.problem)) << c.text;
  }
}

TEST(HermesStrictTest, QwenCoderXmlCutOffIsContent) {
  for (const char* text : {
           "<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</tool_call>",
           "<tool_call>\n<function=f>\n<parameter=a>\n1\n</function>\n</tool_call>",
           "<tool_call>\n<function=f>\n<parameter=a\n1\n</parameter>\n</function>\n</tool_call>",
           "<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</function>\n",
       }) {
    EXPECT_EQ(ParseHermes(text).tool_calls.size(), 1u) << text;
    HermesOutput strict = ParseHermes(text, Strict());
    EXPECT_THAT(strict.tool_calls, IsEmpty()) << text;
    std::string verbatim = text;
    while (verbatim.back() == '\n') verbatim.pop_back();
    EXPECT_EQ(strict.content, verbatim) << text;
    ASSERT_EQ(strict.problems.size(), 1u) << text;
    EXPECT_THAT(strict.problems[0], HasSubstr("kept as content"));
  }
  EXPECT_THAT(ParseHermes("<tool_call>\n<function=f>\n<parameter=a>\n1\n</function>\n</tool_call>",
                          Strict())
                  .problems,
              ElementsAre("byte 0: not a tool call (parameter 'a' not closed); kept as content"));
}

// Clean calls, and what is dropped around them without touching their JSON, parse the
// same in both modes.
TEST(HermesStrictTest, CleanCallsAreTheSameInBothModes) {
  for (const std::string& text : std::vector<std::string>{
           kQwen3Turn,
           "<tool_call>\n{\"name\": \"write_file\", \"arguments\": {\"path\": \"/a\", "
           "\"content\": \"hello\"}}\n</tool_call>",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}}\n</tool_call>",
           "<tool_call>\nnow: {\"name\": \"f\"} and more words\n</tool_call>",
           "<tool_call>{\"x\": 1}{\"name\": \"f\"}[3]</tool_call>",
           "<tool_call>[{\"name\": \"f\", \"arguments\": {\"a\": 1}}, {\"name\": \"g\"}]"
           "</tool_call>",
           "<tool_call>{\"name\": \"s\", \"arguments\": \"{\\\"a\\\": {\\\"b\\\": 1}}\"}"
           "</tool_call><tool_call>{\"name\": \"n\", \"arguments\": null}</tool_call>",
           "<tool_call>{\"name\": \"f\", \"arguments\": 5}</tool_call>",
           "Running.\n<tool_call>\n<function=run>\n<parameter=cmd>\nls -la\n</parameter>\n"
           "</function>\n<function=ping>\n</function>\n</tool_call>",
       }) {
    const HermesOutput repaired = ParseHermes(text);
    EXPECT_EQ(ParseHermes(text, Strict()), repaired) << text;
  }
  EXPECT_EQ(ParseHermes(kQwen3Turn, Strict()).tool_calls.size(), 2u);
}

TEST(HermesStreamTest, EmitsTextAsSoonAsItCannotBeATag) {
  HermesStreamParser p(Start(HermesStart::kContent));
  HermesDelta d = p.Feed("Let me <too");
  EXPECT_EQ(d.content, "Let me");  // " " may be trimmed, "<too" may be a tag
  d = p.Feed("k> it");
  EXPECT_EQ(d.content, " <took> it");
  d = p.Feed(".\n<tool_");
  EXPECT_EQ(d.content, ".");
  d = p.Feed("call>\n{\"name\": \"f\", \"arguments\": {\"s\": \"</tool_call>\"}}\n</tool_c");
  EXPECT_TRUE(d.empty());
  d = p.Feed("all>");
  EXPECT_THAT(d.tool_calls, ElementsAre(Call(0, "f", R"({"s":"</tool_call>"})")));
  d = p.Feed("\n\xe2\x82");
  EXPECT_EQ(d.content, "\n\n");  // the euro sign is not complete yet
  d = p.Feed("\xac!");
  EXPECT_EQ(d.content, "\xe2\x82\xac!");
  EXPECT_TRUE(p.Finish().empty());
  EXPECT_TRUE(p.Feed("more").empty());
}

TEST(HermesStreamTest, ReasoningStreams) {
  HermesStreamParser p(Start(HermesStart::kReasoning));
  EXPECT_EQ(p.Feed("\nStep 1").reasoning, "Step 1");
  EXPECT_EQ(p.Feed(" and \xc3").reasoning, " and ");
  EXPECT_EQ(p.Feed("\xa9 2\n</th").reasoning, "\xc3\xa9 2");
  HermesDelta d = p.Feed("ink>\n\nDone");
  EXPECT_EQ(d.reasoning, "");
  EXPECT_EQ(d.content, "Done");
}

TEST(HermesStreamTest, DetectHoldsTextUntilTheFirstTag) {
  HermesStreamParser p;
  EXPECT_TRUE(p.Feed("I think").empty());
  HermesDelta d = p.Feed("</think>Hi");
  EXPECT_EQ(d.reasoning, "I think");
  EXPECT_EQ(d.content, "Hi");
}

// The inputs of every other test, and more.
std::vector<std::string> StreamInputs() {
  return {
      kQwen3Turn,
      "  Hello,\n\nworld.  \n",
      "a < b <= c <t <<think",
      "Intro.\n<tool_call>\n{\"name\":\"a\",\"arguments\":{}}\n</tool_call>\nBetween.\n"
      "<tool_call>\n{\"name\":\"b\"}\n</tool_call>\nAfter.\n",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}}\n</tool_call>",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n{\"name\": \"g\", \"arguments\": "
      "{\"x\": true}}\n</tool_call>",
      "<tool_call>\nnow: {\"name\": \"f\"} and more words\n</tool_call>",
      "<tool_call>[{\"name\": \"f\", \"arguments\": {\"a\": 1}}, {\"name\": \"g\"}]</tool_call>",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}\n</tool_call>\nok",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1, 2",
      "<tool_call>\n{\"name\": \"write\", \"arguments\": {\"path\": \"a.txt\", \"text\": "
      "\"hel\\u00",
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1, \"b\": tru",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"code\": \"a\nb\\\n\tc\", \"l\": [1,],},}\n"
      "</tool_call>",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"q\": \"x}}\n</tool_call>\n"
      "<tool_call>\n{\"name\": \"g\"}\n</tool_call>",
      "<think>\nMaybe <tool_call>\n{\"name\":\"x\"}\n</tool_call> later.\n</think>\nDone.",
      "<tool_call>\n{\"name\": \"run\", \"arguments\": {\"code\": \"if (a) { b(); } }\", "
      "\"text\": \"see </tool_call> and <tool_call> and \\\"</tool_call>\\\" docs\"}}\n"
      "</tool_call>after",
      "<tool_call>{\"name\": \"s\", \"arguments\": \"{\\\"a\\\": {\\\"b\\\": 1}}\"}</tool_call>"
      "<tool_call>{\"name\": \"p\", \"parameters\": {\"b\": 2}}</tool_call>",
      "A\n<tool_call>\n{\"arguments\": {}}\n</tool_call>\nB\n<tool_call>plain</tool_call>",
      "Hi <think>\nhmm\n<tool_call>\n{\"name\": \"f\"}",
      "I think.\n</think>\n\nAnswer.",
      "<tool_call>{\"name\":\"f\"}</tool_call> x </think> y",
      "<think> a </think> x <think>\n\n</think><think>b<think>c</think>",
      "<tool_call>\n{\"name\": \"a\", \"arguments\": {}\n<tool_call>\n{\"name\": \"b\"}\n"
      "</tool_call>",
      "Sure.\n<tool_call>\n{\"nam",
      "a </tool_call> b </tool_call",
      "Running.\n<tool_call>\n<function=run>\n<parameter=cmd>\nls -la\n</parameter>\n"
      "<parameter=code>\nif (a) { \"b\n}\n</parameter>\n</function>\n</tool_call>\nok",
      "<tool_call>\n<function=f>\n<parameter=a>\n1\n<parameter=b>\nx\n</parameter>\n",
      "\xff\xfe <think>\xc3</think>\x80 ok \xe2\x82",
      "<think>\xe4\xbd\xa0\xe5\xa5\xbd</think>\xf0\x9f\x98\x80 \xe4\xb8\x96\xe7\x95\x8c",
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"\\\\\\\"\\u00e9\xe4\xbd\xa0\"}}",
      "<<tool_call><</tool_call>><<think>>><</think>",
      "\n\n\n<tool_call>\n\n\n</tool_call>\n\n\n",
      "<tool_call>\n<function=f>\n<parameter=a>\n1\n</function>\n</tool_call>\n"
      "<tool_call>\n<function=g>\n</function>\n</tool_call>",
      "<tool_call>{\"name\": \"o\", \"arguments\": \"{\\\"c\\\": [3,]}\"}</tool_call> x "
      "<tool_call>{\"name\": \"f\"}\n{\"name\": \"g\", \"arguments\": {\"a\": 1}\n</tool_call>",
  };
}

// Feeds `text` in pieces of the given sizes (the last piece takes the rest).
HermesOutput FeedInPieces(std::string_view text, const std::vector<size_t>& sizes,
                          const HermesOptions& options) {
  HermesStreamParser p(options);
  HermesOutput out;
  size_t pos = 0;
  for (size_t size : sizes) {
    if (pos >= text.size()) break;
    AppendHermesDelta(p.Feed(text.substr(pos, size)), &out);
    pos += size;
  }
  if (pos < text.size()) AppendHermesDelta(p.Feed(text.substr(pos)), &out);
  AppendHermesDelta(p.Finish(), &out);
  return out;
}

TEST(HermesStreamTest, AnySplitGivesTheWholeParse) {
  std::mt19937 rng(20240607);
  int checked = 0;
  for (const std::string& text : StreamInputs()) {
    for (HermesStart start :
         {HermesStart::kDetect, HermesStart::kContent, HermesStart::kReasoning}) {
      for (bool repair : {true, false}) {
        HermesOptions options = Start(start);
        options.repair = repair;
        const HermesOutput whole = ParseHermes(text, options);
        EXPECT_EQ(FeedInPieces(text, std::vector<size_t>(text.size(), 1), options), whole)
            << "byte by byte, repair " << repair << ": " << text;
        for (int split = 0; split < 300; ++split) {
          std::vector<size_t> sizes;
          const size_t max_piece = 1 + rng() % 16;
          for (size_t total = 0; total < text.size();) {
            sizes.push_back(rng() % (max_piece + 1));  // empty pieces too
            total += sizes.back();
          }
          ASSERT_EQ(FeedInPieces(text, sizes, options), whole)
              << "split " << split << ", repair " << repair << ": " << text;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 20000);
}

// Strict mode only drops calls: its calls are those of the repairing parse, less the
// blocks it refused.
TEST(HermesStreamTest, StrictCallsAreRepairedCalls) {
  int dropped = 0;
  for (const std::string& text : StreamInputs()) {
    const HermesOutput repaired = ParseHermes(text);
    const HermesOutput strict = ParseHermes(text, Strict());
    size_t j = 0;
    for (const HermesToolCall& c : strict.tool_calls) {
      while (j < repaired.tool_calls.size() && (repaired.tool_calls[j].name != c.name ||
                                                repaired.tool_calls[j].arguments != c.arguments)) {
        ++j;
      }
      ASSERT_LT(j, repaired.tool_calls.size()) << text;
      ++j;
    }
    dropped += static_cast<int>(repaired.tool_calls.size() - strict.tool_calls.size());
  }
  EXPECT_GT(dropped, 5);
}

// A delta never ends inside a UTF-8 character that the next bytes complete.
TEST(HermesStreamTest, DeltasOfValidUtf8AreValidUtf8) {
  const std::string text = "<think>\xe4\xbd\xa0\xe5\xa5\xbd</think>\xf0\x9f\x98\x80 \xc3\xa9";
  for (HermesStart start : {HermesStart::kDetect, HermesStart::kContent}) {
    HermesStreamParser p(Start(start));
    for (char c : text) {
      HermesDelta d = p.Feed(std::string_view(&c, 1));
      for (const std::string* s : {&d.content, &d.reasoning}) {
        if (s->empty()) continue;
        const unsigned char last = static_cast<unsigned char>(s->back());
        EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << *s;
        const unsigned char first = static_cast<unsigned char>(s->front());
        EXPECT_NE(first & 0xC0, 0x80) << *s;
      }
    }
  }
}

TEST(HermesFuzzerTest, SeedCorpusExists) {
  const std::filesystem::path dir = TRACEMILL_SOURCE_DIR "/libs/llm/testdata/hermes_fuzz";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_GE(files, 10);
}

}  // namespace
}  // namespace tracemill::llm
