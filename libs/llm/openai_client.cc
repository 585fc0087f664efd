#include "libs/llm/openai_client.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "libs/base/str_cat.h"
#include "libs/llm/chat_stream.h"
#include "libs/llm/hermes.h"
#include "libs/net/sse.h"
#include "libs/trace/trace_json.h"

namespace tracemill::llm {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t NextRandom(uint64_t* state) {  // xorshift64*
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

std::string CallId(uint64_t* state) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "call_%016llx",
                static_cast<unsigned long long>(NextRandom(state)));
  return buf;
}

bool Retryable(int http_status) {
  return http_status == 0 || http_status == 408 || http_status == 409 || http_status == 429 ||
         http_status >= 500;
}

// An HTTP error reply as a Status: the code by class, the message with the endpoint's
// own words (its error body, cut short).
absl::Status HttpError(int status, std::string_view body) {
  std::string text(body.substr(0, 400));
  if (body.size() > 400) text += "...";
  const std::string what = base::StrCat("endpoint replied HTTP ", status, ": ", text);
  if (status == 429) return absl::ResourceExhaustedError(what);
  if (status == 401 || status == 403) return absl::PermissionDeniedError(what);
  if (status == 404) return absl::NotFoundError(what);
  if (status >= 500 || status == 408 || status == 409) return absl::UnavailableError(what);
  return absl::InvalidArgumentError(what);
}

// Retry-After in seconds (the HTTP-date form is treated as absent).
std::chrono::milliseconds RetryAfter(const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789. ") != std::string::npos) {
    return std::chrono::milliseconds(0);
  }
  const double s = std::atof(value.c_str());
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(s, 3600.0) * 1000));
}

}  // namespace

Json ChatRequestBody(const EndpointConfig& config, const ChatRequest& request) {
  Json body = Json::object();
  body["model"] = config.model;
  Json messages = Json::array();
  for (const trace::Message& m : request.messages) {
    Json j = trace::MessageToJson(m, /*with_marks=*/false);
    // Both names for reasoning on history messages (spec-digest §2.4).
    if (m.reasoning_content) j["reasoning"] = *m.reasoning_content;
    messages.push_back(std::move(j));
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const trace::ToolDef& t : request.tools) tools.push_back(t.json);
    body["tools"] = std::move(tools);
  }
  if (!request.tool_choice.is_null()) body["tool_choice"] = request.tool_choice;
  if (request.sampling.is_object()) {
    for (const auto& [k, v] : request.sampling.items()) body[k] = v;
  }
  if (config.extra_body.is_object()) {
    for (const auto& [k, v] : config.extra_body.items()) body[k] = v;
  }
  body["stream"] = config.stream;
  if (config.stream) body["stream_options"] = {{"include_usage", true}};
  return body;
}

absl::StatusOr<ChatResult> ParseChatCompletion(std::string_view text) {
  auto parsed = base::ParseJson(text, "chat completion reply");
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  if (!j.is_object()) return absl::InvalidArgumentError("chat completion reply: not a JSON object");
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return absl::InvalidArgumentError("chat completion reply: no \"choices\"");
  }
  const Json& choice = (*choices)[0];
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) {
    return absl::InvalidArgumentError("chat completion reply: choices[0] has no \"message\"");
  }
  Json m = *message;
  if (!m.contains("role")) m["role"] = "assistant";
  // Current vLLM says "reasoning", older servers "reasoning_content".
  if (auto r = m.find("reasoning"); r != m.end()) {
    if (r->is_string() && !(m.contains("reasoning_content") && m["reasoning_content"].is_string())) {
      m["reasoning_content"] = *r;
    }
    m.erase("reasoning");
  }
  auto msg = trace::ParseMessage(m, "chat completion reply", "choices[0].message");
  if (!msg.ok()) return msg.status();
  ChatResult result;
  result.message = std::move(*msg);
  result.message.role = trace::Role::kAssistant;
  if (auto fr = choice.find("finish_reason"); fr != choice.end() && fr->is_string()) {
    result.finish_reason = fr->get<std::string>();
  }
  if (auto u = j.find("usage"); u != j.end()) ReadUsage(*u, &result.usage);
  return result;
}

void ApplyHermes(HermesMode mode, ChatResult* result, uint64_t id_seed) {
  if (mode == HermesMode::kOff || !result->message.tool_calls.empty()) return;
  if (!result->message.content) return;
  const std::string& text = *result->message.content;
  const bool marked = text.find("<tool_call>") != std::string::npos ||
                      text.find("<think>") != std::string::npos ||
                      text.find("</think>") != std::string::npos;
  if (mode == HermesMode::kAuto && !marked) return;
  HermesOptions options;
  options.repair = false;  // an agent must not execute a call the model never finished
  HermesOutput out = ParseHermes(text, options);
  trace::Message& m = result->message;
  m.content = out.content.empty() ? std::nullopt : std::optional<std::string>(out.content);
  if (!out.reasoning.empty()) {
    m.reasoning_content = m.reasoning_content && !m.reasoning_content->empty()
                              ? *m.reasoning_content + "\n" + out.reasoning
                              : out.reasoning;
  }
  uint64_t state = id_seed != 0 ? id_seed
                                 : 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(
                                                               std::chrono::system_clock::now().time_since_epoch().count());
  for (HermesToolCall& call : out.tool_calls) {
    trace::ToolCall tc;
    tc.id = CallId(&state);
    tc.name = std::move(call.name);
    tc.arguments = std::move(call.arguments);
    m.tool_calls.push_back(std::move(tc));
  }
  if (!m.tool_calls.empty() && (result->finish_reason.empty() || result->finish_reason == "stop")) {
    result->finish_reason = "tool_calls";
  }
  for (std::string& p : out.problems) result->problems.push_back("hermes: " + p);
}

OpenAiClient::OpenAiClient(net::EventLoop* loop, net::HttpClient* http, EndpointConfig config)
    : loop_(loop), http_(http), config_(std::move(config)) {
  rng_state_ = 0x9E3779B97F4A7C15ULL ^
               static_cast<uint64_t>(Clock::now().time_since_epoch().count()) ^
               reinterpret_cast<uintptr_t>(this);
}

net::Task<absl::StatusOr<ChatResult>> OpenAiClient::Attempt(const std::string& body,
                                                            int* http_status,
                                                            std::string* retry_after) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = config_.base_url;
  while (!req.url.empty() && req.url.back() == '/') req.url.pop_back();
  req.url += "/chat/completions";
  req.body = body;
  req.timeout = config_.timeout;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", config_.stream ? "text/event-stream" : "application/json");
  if (!config_.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  *http_status = 0;
  if (!config_.stream) {
    TM_CO_ASSIGN_OR_RETURN(net::HttpResponse r, co_await http_->Send(std::move(req)));
    *http_status = r.status;
    *retry_after = r.Header("retry-after").value_or("");
    if (r.status != 200) co_return HttpError(r.status, r.body);
    auto result = ParseChatCompletion(r.body);
    if (!result.ok()) {
      *http_status = 502;  // a garbled reply is worth another try
      co_return result.status();
    }
    co_return result;
  }
  ChatStreamAssembler assembler;
  net::SseParser sse;
  std::vector<net::SseEvent> events;
  std::string error_body;
  std::vector<std::string> problems;
  bool done = false;
  int status = 0;
  auto response = co_await http_->Stream(
      std::move(req), [&](const net::HttpResponse& h) { status = h.status; },
      [&](std::string_view chunk) {
        if (status != 200) {
          if (error_body.size() < 4096) error_body.append(chunk);
          return;
        }
        events.clear();
        sse.Feed(chunk, &events);
        for (const net::SseEvent& e : events) {
          if (e.data == "[DONE]") {
            done = true;
            continue;
          }
          absl::Status s = assembler.AddChunk(e.data);
          if (!s.ok()) problems.push_back(std::string(s.message()));
        }
      });
  if (!response.ok()) co_return response.status();
  *http_status = response->status;
  *retry_after = response->Header("retry-after").value_or("");
  if (response->status != 200) co_return HttpError(response->status, error_body);
  if (!done && assembler.finish_reason().empty()) {
    *http_status = 502;
    co_return absl::UnavailableError(base::StrCat(
        "the stream ended after ", assembler.chunks(), " chunks without a finish reason or [DONE]"));
  }
  ChatResult result;
  result.message = assembler.message();  // Complete() gives ids to calls without one
  result.finish_reason = assembler.finish_reason();
  result.usage = assembler.usage();
  result.problems = std::move(problems);
  co_return result;
}

net::Task<absl::StatusOr<ChatResult>> OpenAiClient::Complete(const ChatRequest& request) {
  const std::string body = base::DumpJson(ChatRequestBody(config_, request));
  absl::Status last;
  const int attempts = std::max(1, config_.max_attempts);
  int tried = 0;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    tried = attempt;
    int status = 0;
    std::string retry_after;
    const auto start = Clock::now();
    absl::StatusOr<ChatResult> r = co_await Attempt(body, &status, &retry_after);
    if (r.ok()) {
      r->attempts = attempt;
      r->latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      r->usage.requests = 1;
      // Ids the endpoint left out come from the request: a rerun of the same
      // conversation records the same ids (a seeded demo writes the same dataset).
      uint64_t id_state = 0xCBF29CE484222325ULL;
      for (unsigned char c : body) id_state = (id_state ^ c) * 0x100000001B3ULL;
      id_state |= 1;  // xorshift needs a non-zero state
      for (trace::ToolCall& tc : r->message.tool_calls) {
        if (tc.id.empty()) tc.id = CallId(&id_state);
      }
      ApplyHermes(config_.hermes, &*r, id_state);
      co_return r;
    }
    last = r.status();
    if (!Retryable(status) || attempt == attempts) break;
    const int64_t cap = std::min<int64_t>(config_.backoff_max.count(),
                                          config_.backoff_base.count() << std::min(attempt - 1, 20));
    int64_t wait = cap > 0 ? static_cast<int64_t>(NextRandom(&rng_state_) % static_cast<uint64_t>(cap + 1)) : 0;
    wait = std::max<int64_t>(wait, RetryAfter(retry_after).count());
    co_await loop_->Sleep(std::chrono::milliseconds(wait));
  }
  co_return absl::Status(last.code(),
                         base::StrCat(last.message(), " (", config_.model, " at ", config_.base_url,
                                      "; ", tried, tried == 1 ? " attempt)" : " attempts)"));
}

}  // namespace tracemill::llm
