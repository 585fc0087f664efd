#include "libs/llm/chat_stream.h"

#include "gtest/gtest.h"

namespace tracemill::llm {
namespace {

TEST(ChatStreamTest, MergesContentReasoningAndToolCallFragments) {
  ChatStreamAssembler a;
  for (const char* chunk : {
           R"({"choices":[{"index":0,"delta":{"role":"assistant","reasoning":"Look "}}]})",
           R"({"choices":[{"index":0,"delta":{"reasoning":"first."}}]})",
           R"({"choices":[{"index":0,"delta":{"content":"Opening"}}]})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"open","arguments":""}}]}}]})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"url\": "}}]}}]})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c2","function":{"name":"read","arguments":"{}"}}]}}]})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"x\"}"}}]}}]})",
           R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})",
           R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}})"}) {
    ASSERT_TRUE(a.AddChunk(chunk).ok()) << chunk;
  }
  trace::Message m = a.message();
  EXPECT_EQ(m.content, "Opening");
  EXPECT_EQ(m.reasoning_content, "Look first.");
  ASSERT_EQ(m.tool_calls.size(), 2u);
  EXPECT_EQ(m.tool_calls[0].id, "c1");
  EXPECT_EQ(m.tool_calls[0].name, "open");
  EXPECT_EQ(m.tool_calls[0].arguments, R"({"url": "x"})");
  EXPECT_EQ(m.tool_calls[1].name, "read");
  EXPECT_EQ(a.finish_reason(), "tool_calls");
  EXPECT_EQ(a.usage().total_tokens, 15);
}

TEST(ChatStreamTest, ANewIdOnAReusedIndexStartsANewCall) {
  ChatStreamAssembler a;
  ASSERT_TRUE(a.AddChunk(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}]}}]})").ok());
  ASSERT_TRUE(a.AddChunk(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"b","function":{"name":"g","arguments":"{\"k\":1}"}}]}}]})").ok());
  // A server that repeats the name in every fragment.
  ASSERT_TRUE(a.AddChunk(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"g","arguments":""}}]}}]})").ok());
  auto m = a.message();
  ASSERT_EQ(m.tool_calls.size(), 2u);
  EXPECT_EQ(m.tool_calls[0].name, "f");
  EXPECT_EQ(m.tool_calls[1].name, "g");
  EXPECT_EQ(m.tool_calls[1].arguments, R"({"k":1})");
}

TEST(ChatStreamTest, BadChunksAreErrorsThatKeepWhatCameBefore) {
  ChatStreamAssembler a;
  ASSERT_TRUE(a.AddChunk(R"({"choices":[{"delta":{"content":"kept"}}]})").ok());
  absl::Status s = a.AddChunk("{not json");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("stream chunk 2"), std::string::npos) << s;
  EXPECT_FALSE(a.AddChunk(R"({"choices": 5})").ok());
  EXPECT_TRUE(a.AddChunk(R"([1, 2])").code() == absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(a.AddChunk(R"({"choices":[7, {"delta": 3}, {"delta": {"tool_calls": [1, {"index": "x"}]}}]})").ok());
  EXPECT_EQ(a.message().content, "kept");
}

}  // namespace
}  // namespace tracemill::llm
