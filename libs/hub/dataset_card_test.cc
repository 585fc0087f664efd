#include "libs/hub/dataset_card.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/trace/unroll.h"

namespace tracemill::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The YAML between the opening and closing `---` lines.
std::string FrontMatter(const std::string& card) {
  EXPECT_TRUE(card.starts_with("---\n"));
  size_t end = card.find("\n---\n", 4);
  EXPECT_NE(end, std::string::npos);
  return end == std::string::npos ? "" : card.substr(4, end - 4 + 1);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t Indent(const std::string& line) { return line.find_first_not_of(' '); }

// A features entry: `- name: N` then `dtype: T`, or `list:`/`struct:` with nested entries.
struct Feature {
  std::string name;
  std::string dtype;  // "list" or "struct" for nested ones
  std::vector<Feature> children;
};

// Parses the entries at `indent` starting at lines[*i] (the subset of YAML the card uses).
std::vector<Feature> ParseFeatures(const std::vector<std::string>& lines, size_t* i,
                                   size_t indent) {
  std::vector<Feature> out;
  while (*i < lines.size() && Indent(lines[*i]) == indent &&
         lines[*i].compare(indent, 8, "- name: ") == 0) {
    Feature f;
    f.name = lines[*i].substr(indent + 8);
    ++*i;
    EXPECT_LT(*i, lines.size());
    if (*i >= lines.size()) break;
    const std::string body = lines[*i].substr(indent + 2);
    EXPECT_EQ(Indent(lines[*i]), indent + 2) << lines[*i];
    ++*i;
    if (body.starts_with("dtype: ")) {
      f.dtype = body.substr(7);
    } else if (body == "list:" || body == "struct:") {
      f.dtype = body.substr(0, body.size() - 1);
      f.children = ParseFeatures(lines, i, indent + 2);
    } else {
      ADD_FAILURE() << "unexpected line: " << body;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Feature> CardFeatures(const std::string& yaml) {
  std::vector<std::string> lines = Lines(yaml);
  size_t i = 0;
  while (i < lines.size() && lines[i] != "dataset_info:") ++i;
  EXPECT_LT(i + 1, lines.size());
  if (i + 1 >= lines.size()) return {};
  EXPECT_EQ(lines[i + 1], "  features:");
  i += 2;
  std::vector<Feature> features = ParseFeatures(lines, &i, 2);
  EXPECT_EQ(i, lines.size()) << "trailing YAML after features: " << lines[i];
  return features;
}

std::vector<std::string> Names(const std::vector<Feature>& features) {
  std::vector<std::string> names;
  for (const Feature& f : features) names.push_back(f.name);
  return names;
}

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

const Feature* Find(const std::vector<Feature>& features, const std::string& name) {
  for (const Feature& f : features) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

DatasetCardInfo SampleInfo() {
  DatasetCardInfo info;
  info.title = "Browser agent traces";
  info.description = "Playwright MCP runs on shopping tasks.";
  info.unroll_mode = "per-turn";
  info.traces = 120;
  info.rows_per_split = {{"eval", 80}, {"train", 900}};
  info.shards_per_split = {{"eval", 1}, {"train", 2}};
  return info;
}

TEST(DatasetCardTest, FeaturesMatchRowToDatasetJson) {
  std::vector<Feature> features = CardFeatures(FrontMatter(RenderDatasetCard(SampleInfo())));

  // A row with every optional part present, as the publisher writes it.
  trace::Row row;
  row.id = "t_trunc_1";
  row.original_id = "t";
  row.truncation_point = 1;
  trace::Message m;
  m.role = trace::Role::kAssistant;
  trace::ToolCall call;
  call.id = "c";
  call.name = "f";
  call.arguments = "{}";
  m.tool_calls.push_back(call);
  row.messages.push_back(m);
  Json json = trace::RowToDatasetJson(row, "[]");

  EXPECT_EQ(Names(features), Keys(json));
  for (const Feature& f : features) {
    SCOPED_TRACE(f.name);
    if (f.name == "truncation_point" || f.name == "target_from") {
      EXPECT_EQ(f.dtype, "int32");
    } else if (f.name != "messages") {
      EXPECT_EQ(f.dtype, "string");
    }
  }
  const Feature* messages = Find(features, "messages");
  ASSERT_NE(messages, nullptr);
  EXPECT_EQ(messages->dtype, "list");
  const Json& message = json["messages"][0];
  EXPECT_EQ(Names(messages->children), Keys(message));
  EXPECT_THAT(Names(messages->children), ElementsAre("role", "content", "reasoning_content",
                                                     "tool_calls", "tool_call_id", "name"));
  const Feature* tool_calls = Find(messages->children, "tool_calls");
  ASSERT_NE(tool_calls, nullptr);
  EXPECT_EQ(tool_calls->dtype, "list");
  EXPECT_EQ(Names(tool_calls->children), Keys(message["tool_calls"][0]));
  const Feature* function = Find(tool_calls->children, "function");
  ASSERT_NE(function, nullptr);
  EXPECT_EQ(function->dtype, "struct");
  EXPECT_EQ(Names(function->children), Keys(message["tool_calls"][0]["function"]));
  for (const Feature& leaf : function->children) EXPECT_EQ(leaf.dtype, "string");
}

TEST(DatasetCardTest, ConfigsListSplitsTrainFirst) {
  std::string yaml = FrontMatter(RenderDatasetCard(SampleInfo()));
  EXPECT_THAT(yaml, HasSubstr("configs:\n"
                              "- config_name: default\n"
                              "  data_files:\n"
                              "  - split: \"train\"\n"
                              "    path: \"data/train-*.jsonl\"\n"
                              "  - split: \"eval\"\n"
                              "    path: \"data/eval-*.jsonl\"\n"
                              "dataset_info:\n"));
  EXPECT_THAT(yaml, HasSubstr("pretty_name: \"Browser agent traces\"\n"));
  EXPECT_THAT(yaml, Not(HasSubstr("splits:")));
  EXPECT_THAT(yaml, Not(HasSubstr("\t")));
}

TEST(DatasetCardTest, SplitWithoutRowsIsLeftOut) {
  DatasetCardInfo info = SampleInfo();
  info.rows_per_split = {{"eval", 0}, {"train", 5}};
  std::string yaml = FrontMatter(RenderDatasetCard(info));
  EXPECT_THAT(yaml, HasSubstr("split: \"train\""));
  EXPECT_THAT(yaml, Not(HasSubstr("eval")));

  info.rows_per_split.clear();
  yaml = FrontMatter(RenderDatasetCard(info));
  EXPECT_THAT(yaml, Not(HasSubstr("configs:")));
  EXPECT_EQ(CardFeatures(yaml).size(), 7u);
}

TEST(DatasetCardTest, BodyDescribesDataset) {
  DatasetCardInfo info = SampleInfo();
  info.curation = Json::parse(R"({"traces_in": 130, "traces_out": 120, "note": "``` x"})");
  std::string card = RenderDatasetCard(info);
  std::string body = card.substr(card.find("\n---\n") + 5);
  EXPECT_THAT(body, HasSubstr("# Browser agent traces\n"));
  EXPECT_THAT(body, HasSubstr("Playwright MCP runs on shopping tasks."));
  EXPECT_THAT(body, HasSubstr("| train | 900 | 2 |\n| eval | 80 | 1 |\n| **total** | 980 | 3 |"));
  EXPECT_THAT(body, HasSubstr("120 agent traces"));
  EXPECT_THAT(body, HasSubstr("## Unrolling: `per-turn`"));
  EXPECT_THAT(body, HasSubstr("One row ending at every assistant message"));
  EXPECT_THAT(body, HasSubstr("target_from"));
  EXPECT_THAT(body, HasSubstr("datasets.load_dataset(\"<dir>\")"));
  EXPECT_THAT(body, HasSubstr("JSON strings"));
  EXPECT_THAT(body, HasSubstr("## Columns"));
  // The curation summary is fenced with more backticks than it contains.
  EXPECT_THAT(body, HasSubstr("````json\n{\n  \"traces_in\": 130,"));
  EXPECT_THAT(body, HasSubstr("\n````\n"));
}

TEST(DatasetCardTest, ExplainsEachMode) {
  DatasetCardInfo info = SampleInfo();
  info.unroll_mode = "seed";
  EXPECT_THAT(RenderDatasetCard(info), HasSubstr("`u + 1` rows"));
  info.unroll_mode = "per-query";
  EXPECT_THAT(RenderDatasetCard(info), HasSubstr("One row per user query"));
  info.unroll_mode = "";
  EXPECT_THAT(RenderDatasetCard(info), HasSubstr("## Unrolling: `unknown`"));
  info.curation = nullptr;
  EXPECT_THAT(RenderDatasetCard(info), Not(HasSubstr("## Curation")));
}

TEST(DatasetCardTest, TitleIsQuotedAndOneLine) {
  DatasetCardInfo info = SampleInfo();
  info.title = "a: \"b\"\n# c \\ d";
  std::string card = RenderDatasetCard(info);
  EXPECT_THAT(FrontMatter(card), HasSubstr("pretty_name: \"a: \\\"b\\\" # c \\\\ d\"\n"));
  EXPECT_THAT(card, HasSubstr("\n# a: \"b\" # c \\ d\n"));
  info.title = "";
  EXPECT_THAT(RenderDatasetCard(info), HasSubstr("pretty_name: \"Agent traces (tracemill)\""));
}

TEST(YamlQuoteTest, EscapesWhatYamlWouldChange) {
  EXPECT_EQ(YamlQuote(""), "\"\"");
  EXPECT_EQ(YamlQuote("train"), "\"train\"");
  EXPECT_EQ(YamlQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(YamlQuote("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
  EXPECT_EQ(YamlQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(YamlQuote(std::string("nul\0x", 5)), "\"nul\\x00x\"");
  EXPECT_EQ(YamlQuote("\xc2\x85|\xe2\x80\xa8|\xe2\x80\xa9|\xef\xbb\xbf"),
            "\"\\N|\\L|\\P|\\uFEFF\"");
  // Other UTF-8 passes through.
  EXPECT_EQ(YamlQuote("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(YamlQuote("- [x]: {y} # z & *w !t %u @v `"), "\"- [x]: {y} # z & *w !t %u @v `\"");
}

}  // namespace
}  // namespace tracemill::hub
