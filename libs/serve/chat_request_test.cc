#include "libs/serve/chat_request.h"

#include "gtest/gtest.h"

namespace tracemill::serve {
namespace {

TEST(ChatRequestTest, ReadsEveryField) {
  ChatRequest r;
  RequestError e;
  ASSERT_TRUE(ParseChatRequest(
      R"({"model":"base:a","messages":[{"role":"user","content":"hi"}],
          "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
          "tool_choice":{"type":"function","function":{"name":"f"}},"temperature":0,"top_p":0.5,"top_k":4,
          "seed":9,"max_completion_tokens":12,"max_tokens":99,"stop":"END","stream":true,
          "stream_options":{"include_usage":true},"chat_template_kwargs":{"enable_thinking":false},"user":"ignored"})",
      &r, &e))
      << e.message;
  EXPECT_EQ(r.model, "base:a");
  EXPECT_EQ(r.tool_choice, "function");
  EXPECT_EQ(r.tool_choice_function, "f");
  EXPECT_EQ(r.temperature, 0.0);
  EXPECT_EQ(r.top_k, 4);
  EXPECT_EQ(r.seed, 9);
  EXPECT_EQ(r.max_tokens, 12);  // max_completion_tokens wins
  EXPECT_EQ(r.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.chat_template_kwargs["enable_thinking"], false);
}

TEST(ChatRequestTest, BadRequestsNameTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", ""},
      {"[1]", ""},
      {R"({})", "messages"},
      {R"({"messages":[]})", "messages"},
      {R"({"messages":{}})", "messages"},
      {R"({"messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"messages":[{"role":"wizard","content":"x"}]})", "messages[0].role"},
      {R"({"messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "messages[0].content"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"function":{}}]}]})", "messages[0].tool_calls[0]"},
      {R"({"messages":[{"role":"user","content":"x"}],"model":3})", "model"},
      {R"({"messages":[{"role":"user","content":"x"}],"temperature":3})", "temperature"},
      {R"({"messages":[{"role":"user","content":"x"}],"temperature":"hot"})", "temperature"},
      {R"({"messages":[{"role":"user","content":"x"}],"top_p":0})", "top_p"},
      {R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens"},
      {R"({"messages":[{"role":"user","content":"x"}],"max_tokens":1.5})", "max_tokens"},
      {R"({"messages":[{"role":"user","content":"x"}],"n":2})", "n"},
      {R"({"messages":[{"role":"user","content":"x"}],"stop":[1]})", "stop"},
      {R"({"messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]})", "stop"},
      {R"({"messages":[{"role":"user","content":"x"}],"stop":""})", "stop"},
      {R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})", "stream"},
      {R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})", "tools[0]"},
      {R"({"messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"})", "tool_choice"},
      {R"({"messages":[{"role":"user","content":"x"}],"tool_choice":"required"})", "tool_choice"},
      {R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],
           "tool_choice":{"type":"function","function":{"name":"g"}}})", "tool_choice"},
      {R"({"messages":[{"role":"user","content":"x"}],"chat_template_kwargs":[]})", "chat_template_kwargs"},
  };
  for (const auto& [body, param] : cases) {
    ChatRequest r;
    RequestError e;
    EXPECT_FALSE(ParseChatRequest(body, &r, &e)) << body;
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.param, param) << body << " → " << e.message;
    EXPECT_FALSE(e.message.empty()) << body;
  }
}

}  // namespace
}  // namespace tracemill::serve
