// A client for OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, SGLang, ...)
// on the event loop: plain or streamed replies, tools, retries, and Hermes text parsing
// for endpoints that return tool calls as raw text.
//
//   llm::OpenAiClient client(&http, {.base_url = "http://localhost:8000/v1",
//                                    .api_key = key, .model = "Qwen/Qwen3-4B"});
//   TM_CO_ASSIGN_OR_RETURN(llm::ChatResult r, co_await client.Complete(request));
//   trace.messages.push_back(r.message);
//
// Retries: transport failures, timeouts, 408, 409, 429 and 5xx are retried with
// exponential backoff and full jitter (base · 2^attempt, capped), waiting at least what
// Retry-After says; other 4xx are not. The API key goes only into the Authorization
// header: never into errors, logs or results.
//
// Reasoning: read from `reasoning` or else `reasoning_content`; history messages are sent
// with both keys (spec-digest §2.4). Raw text: with `hermes` on (or `auto` and the reply
// has no tool_calls but holds <tool_call> or <think>), the content is parsed by
// ParseHermes into content, reasoning and tool calls, with generated call ids. The parse
// is strict (HermesOptions::repair off): a call the model never finished (cut off at
// max_tokens) or wrote as broken JSON stays in content, tags included, and is listed in
// `problems`, so an agent does not execute it.
#ifndef TRACEMILL_LIBS_LLM_OPENAI_CLIENT_H_
#define TRACEMILL_LIBS_LLM_OPENAI_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/net/http_client.h"
#include "libs/net/task.h"
#include "libs/trace/trace.h"

namespace tracemill::llm {

enum class HermesMode { kAuto, kOn, kOff };

struct EndpointConfig {
  std::string base_url;  // ".../v1"; "/chat/completions" is appended
  std::string api_key;   // "" sends no Authorization header
  std::string model;
  bool stream = false;
  HermesMode hermes = HermesMode::kAuto;
  std::chrono::milliseconds timeout{600000};  // per attempt
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{30000};
  Json extra_body = Json::object();  // merged into every request (e.g. chat_template_kwargs)
};

struct ChatRequest {
  std::vector<trace::Message> messages;
  std::vector<trace::ToolDef> tools;
  Json tool_choice;                  // null: not sent
  Json sampling = Json::object();    // temperature, top_p, max_tokens, seed, stop, ...
};

struct ChatResult {
  trace::Message message;  // role assistant
  std::string finish_reason;
  trace::Usage usage;      // requests = 1
  int attempts = 0;
  double latency_ms = 0;   // of the successful attempt
  std::vector<std::string> problems;  // what was repaired or refused in the reply (Hermes, stream)
};

// The request body for `request` under `config` (exposed for tests).
Json ChatRequestBody(const EndpointConfig& config, const ChatRequest& request);
// Reads a non-streamed chat.completion reply. InvalidArgument naming what is missing.
absl::StatusOr<ChatResult> ParseChatCompletion(std::string_view body);
// Applies the Hermes parser, strict, to `result` as `mode` says. The calls it finds get
// ids drawn from `id_seed` (Complete seeds it with a hash of the request body, so the
// same conversation records the same ids on a rerun; 0: from the clock).
void ApplyHermes(HermesMode mode, ChatResult* result, uint64_t id_seed = 0);

class OpenAiClient {
 public:
  OpenAiClient(net::EventLoop* loop, net::HttpClient* http, EndpointConfig config);

  net::Task<absl::StatusOr<ChatResult>> Complete(const ChatRequest& request);

  const EndpointConfig& config() const { return config_; }

 private:
  net::Task<absl::StatusOr<ChatResult>> Attempt(const std::string& body, int* http_status,
                                                std::string* retry_after);

  net::EventLoop* loop_;
  net::HttpClient* http_;
  EndpointConfig config_;
  uint64_t rng_state_;
};

}  // namespace tracemill::llm

#endif  // TRACEMILL_LIBS_LLM_OPENAI_CLIENT_H_
