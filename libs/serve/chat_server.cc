#include "libs/serve/chat_server.h"

#include <algorithm>
#include <ctime>
#include <mutex>

#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/llm/hermes.h"
#include "libs/serve/chat_request.h"

namespace tracemill::serve {
namespace {

void SendError(net::HttpExchange& ex, const RequestError& e, ServerStats& stats) {
  ++stats.errors;
  Json error = {{"message", e.message},
                {"type", e.status >= 500 ? "server_error" : "invalid_request_error"},
                {"param", e.param.empty() ? Json(nullptr) : Json(e.param)},
                {"code", e.code.empty() ? Json(nullptr) : Json(e.code)}};
  ex.Respond(e.status, base::DumpJson(Json{{"error", std::move(error)}}));
}

// Bytes of `s` that form complete UTF-8 sequences (a sequence cut at the end waits for
// the next token's bytes).
size_t CompleteUtf8Prefix(const std::string& s) {
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation: look further back
    size_t need = 1;
    if ((c & 0xE0) == 0xC0) need = 2;
    else if ((c & 0xF0) == 0xE0) need = 3;
    else if ((c & 0xF8) == 0xF0) need = 4;
    return need > back ? n - back : n;
  }
  return n;
}

std::string ToolCallText(const llm::HermesToolCall& call) {
  return base::StrCat("<tool_call>\n{\"name\": ", base::DumpJson(Json(call.name)), ", \"arguments\": ", call.arguments,
                      "}\n</tool_call>");
}

// One chat completion in flight. Generation-side members are touched only by the
// backend's thread until `done` hands the object back to the loop thread (Post).
struct Completion : std::enable_shared_from_this<Completion> {
  net::EventLoop* loop = nullptr;
  std::weak_ptr<bool> alive;
  std::shared_ptr<net::HttpExchange> ex;  // loop thread only
  std::shared_ptr<ServerStats> stats;
  const text::Tokenizer* tokenizer = nullptr;
  std::vector<std::string> stop;
  bool stream = false, include_usage = false, parse_tools = true;
  std::string id, model, prefill;
  int64_t created = 0;
  std::atomic<bool> cancel{false};

  // Backend thread.
  std::string pending_bytes, text;
  size_t forwarded = 0;  // bytes of `text` given to the parser (streaming)
  bool stopped = false;  // a stop string ended it
  // Where the reply starts (content, or inside an opened <think>). Strict, for the whole
  // reply and the stream alike: a call cut off (max_tokens, a stop string) or broken is
  // content, never a tool call the client would execute.
  llm::HermesOptions hermes{.repair = false};
  llm::HermesStreamParser parser;
  int calls = 0;

  Json Chunk(Json delta, Json finish) const {
    return {{"id", id},
            {"object", "chat.completion.chunk"},
            {"created", created},
            {"model", model},
            {"choices", Json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}})}};
  }

  // Sends SSE bytes from any thread; notices a client that has gone.
  void Send(std::string bytes) {
    auto self = shared_from_this();
    loop->Post([self, bytes = std::move(bytes)] {
      if (self->alive.expired()) return;
      if (self->ex->peer_gone()) {
        self->cancel = true;
        return;
      }
      self->ex->Write(bytes);
    });
  }

  void EmitDelta(llm::HermesDelta d) {
    std::string out;
    if (!d.reasoning.empty()) {
      base::StrAppend(&out, "data: ", base::DumpJson(Chunk({{"reasoning_content", d.reasoning}, {"reasoning", d.reasoning}}, nullptr)),
                      "\n\n");
    }
    std::string content = std::move(d.content);
    Json calls_json = Json::array();
    for (const llm::HermesToolCall& call : d.tool_calls) {
      if (!parse_tools) {
        content += ToolCallText(call);
        continue;
      }
      calls_json.push_back({{"index", calls},
                            {"id", base::StrCat("call_", id.substr(9), "_", calls)},
                            {"type", "function"},
                            {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
      ++calls;
    }
    if (!content.empty()) base::StrAppend(&out, "data: ", base::DumpJson(Chunk({{"content", content}}, nullptr)), "\n\n");
    if (!calls_json.empty()) {
      base::StrAppend(&out, "data: ", base::DumpJson(Chunk({{"tool_calls", calls_json}}, nullptr)), "\n\n");
    }
    if (!out.empty()) Send(std::move(out));
  }

  // How many bytes at the end of `text` could be the start of a stop string.
  size_t HoldBack() const {
    size_t hold = 0;
    for (const std::string& s : stop) {
      for (size_t k = std::min(s.size() - 1, text.size()); k > hold; --k) {
        if (text.compare(text.size() - k, k, s, 0, k) == 0) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }

  bool OnToken(int64_t token) {
    if (cancel) return false;
    tokenizer->AppendTokenBytes(static_cast<int32_t>(token), &pending_bytes);
    const size_t n = CompleteUtf8Prefix(pending_bytes);
    if (n == 0) return true;
    const size_t before = text.size();
    text.append(pending_bytes, 0, n);
    pending_bytes.erase(0, n);
    size_t cut = std::string::npos;
    for (const std::string& s : stop) {
      const size_t from = before >= s.size() ? before - s.size() + 1 : 0;
      const size_t at = text.find(s, from);
      if (at != std::string::npos) cut = std::min(cut, at);
    }
    if (cut != std::string::npos) {
      text.resize(cut);
      stopped = true;
    }
    if (stream) {
      const size_t safe = stopped ? text.size() : text.size() - HoldBack();
      if (safe > forwarded) {
        EmitDelta(parser.Feed(std::string_view(text).substr(forwarded, safe - forwarded)));
        forwarded = safe;
      }
    }
    return !stopped && !cancel;
  }

  std::string FinishReason(const GenerateOutcome& outcome, bool has_calls) const {
    if (has_calls) return "tool_calls";
    if (stopped) return "stop";
    return outcome.finish_reason.empty() ? "stop" : outcome.finish_reason;
  }

  // Backend thread (or at once): the generation ended.
  void OnDone(absl::StatusOr<GenerateOutcome> outcome) {
    if (outcome.ok() && !stopped && !pending_bytes.empty()) {  // an incomplete sequence at the very end
      text += pending_bytes;
      pending_bytes.clear();
    }
    if (stream && outcome.ok()) {
      if (text.size() > forwarded) EmitDelta(parser.Feed(std::string_view(text).substr(forwarded)));
      forwarded = text.size();
      EmitDelta(parser.Finish());
    }
    auto self = shared_from_this();
    loop->Post([self, outcome = std::move(outcome)] {
      if (self->alive.expired()) return;
      self->Finish(outcome);
    });
  }

  // Loop thread.
  void Finish(const absl::StatusOr<GenerateOutcome>& outcome) {
    if (!outcome.ok()) {
      ++stats->errors;
      const bool bad = absl::IsInvalidArgument(outcome.status());
      RequestError e{bad ? 400 : 500, std::string(outcome.status().message()), "", ""};
      if (!stream || !ex->responded()) return SendError(*ex, e, *stats);
      Json error = {{"error", {{"message", e.message}, {"type", "server_error"}, {"code", nullptr}}}};
      ex->Write(base::StrCat("data: ", base::DumpJson(error), "\n\ndata: [DONE]\n\n"));
      return ex->End();
    }
    ++stats->completions;
    stats->prompt_tokens += outcome->prompt_tokens;
    const int64_t completion_tokens = static_cast<int64_t>(outcome->tokens.size());
    stats->completion_tokens += completion_tokens;
    const Json usage = {{"prompt_tokens", outcome->prompt_tokens},
                        {"completion_tokens", completion_tokens},
                        {"total_tokens", outcome->prompt_tokens + completion_tokens}};
    if (stream) {
      std::string out = base::StrCat("data: ", base::DumpJson(Chunk(Json::object(), FinishReason(*outcome, calls > 0))), "\n\n");
      if (include_usage) {
        Json u = {{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model},
                  {"choices", Json::array()}, {"usage", usage}};
        base::StrAppend(&out, "data: ", base::DumpJson(u), "\n\n");
      }
      out += "data: [DONE]\n\n";
      ex->Write(out);
      return ex->End();
    }
    const llm::HermesOutput parsed = llm::ParseHermes(prefill + text, hermes);
    Json message = {{"role", "assistant"}};
    std::string content = parsed.content;
    Json calls_json = Json::array();
    for (size_t i = 0; i < parsed.tool_calls.size(); ++i) {
      if (!parse_tools) {
        content += ToolCallText(parsed.tool_calls[i]);
        continue;
      }
      calls_json.push_back({{"id", base::StrCat("call_", id.substr(9), "_", i)},
                            {"type", "function"},
                            {"function", {{"name", parsed.tool_calls[i].name}, {"arguments", parsed.tool_calls[i].arguments}}}});
    }
    message["content"] = content.empty() && !calls_json.empty() ? Json(nullptr) : Json(content);
    if (!parsed.reasoning.empty()) {
      message["reasoning_content"] = parsed.reasoning;
      message["reasoning"] = parsed.reasoning;
    }
    if (!calls_json.empty()) message["tool_calls"] = calls_json;
    const Json reply = {{"id", id},
                        {"object", "chat.completion"},
                        {"created", created},
                        {"model", model},
                        {"choices", Json::array({{{"index", 0},
                                                  {"message", message},
                                                  {"finish_reason", FinishReason(*outcome, !calls_json.empty())}}})},
                        {"usage", usage}};
    ex->Respond(200, base::DumpJson(reply));
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<ChatServer>> ChatServer::Start(net::EventLoop* loop, std::shared_ptr<Backend> backend,
                                                              std::shared_ptr<const text::ChatFormat> format,
                                                              ChatServerOptions options) {
  std::unique_ptr<ChatServer> server(new ChatServer());
  server->loop_ = loop;
  server->backend_ = std::move(backend);
  server->format_ = std::move(format);
  server->options_ = std::move(options);
  // The template's end-of-turn tokens, and <|endoftext|> which Qwen's generation config
  // also lists as an end.
  std::vector<std::string> ends = server->format_->end_of_turn();
  ends.push_back("<|endoftext|>");
  for (const std::string& s : ends) {
    const int32_t id = server->format_->tokenizer().TokenToId(s);
    if (id >= 0 && std::find(server->stop_ids_.begin(), server->stop_ids_.end(), id) == server->stop_ids_.end()) {
      server->stop_ids_.push_back(id);
    }
  }
  if (server->stop_ids_.empty()) {
    return absl::InvalidArgumentError("the model's tokenizer has no end-of-turn token (eos_token, <|im_end|>, ...)");
  }
  net::HttpServer::Options http;
  http.host = server->options_.host;
  http.port = server->options_.port;
  http.limits.max_body = server->options_.max_body;
  ChatServer* raw = server.get();
  auto started = net::HttpServer::Start(loop, http, [raw](std::shared_ptr<net::HttpExchange> ex) { raw->Handle(std::move(ex)); });
  if (!started.ok()) return started.status();
  server->http_ = std::move(*started);
  return server;
}

ChatServer::~ChatServer() { alive_.reset(); }

void ChatServer::Handle(std::shared_ptr<net::HttpExchange> ex) {
  ++stats_->requests;
  const net::ServerRequest& r = ex->request();
  if (r.path == "/health") return ex->Respond(200, R"({"status":"ok"})");
  if (r.path == "/v1/models") {
    Json data = Json::array({{{"id", options_.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "tracemill"}}});
    for (const std::string& a : backend_->Adapters()) {
      data.push_back({{"id", base::StrCat(options_.model_name, ":", a)},
                      {"object", "model"},
                      {"created", 0},
                      {"owned_by", "tracemill"},
                      {"parent", options_.model_name}});
    }
    return ex->Respond(200, base::DumpJson(Json{{"object", "list"}, {"data", data}}));
  }
  if (r.path == "/v1/chat/completions") {
    if (r.method != "POST") return SendError(*ex, {405, "use POST for /v1/chat/completions", "", ""}, *stats_);
    return Completions(ex);
  }
  if (r.path == "/v1/load_lora_adapter" || r.path == "/v1/unload_lora_adapter") {
    if (r.method != "POST") return SendError(*ex, {405, base::StrCat("use POST for ", r.path), "", ""}, *stats_);
    if (!options_.allow_adapter_loading) {
      return SendError(*ex, {403, "loading adapters at run time is turned off on this server", "", ""}, *stats_);
    }
    return Adapters(ex, r.path == "/v1/load_lora_adapter");
  }
  SendError(*ex, {404, base::StrCat("no route for ", r.method, " ", r.path), "", ""}, *stats_);
}

void ChatServer::Adapters(const std::shared_ptr<net::HttpExchange>& ex, bool load) {
  auto body = base::ParseJson(ex->request().body, "the request body");
  if (!body.ok()) return SendError(*ex, {400, std::string(body.status().message()), "", ""}, *stats_);
  if (!body->is_object() || !body->contains("lora_name") || !(*body)["lora_name"].is_string()) {
    return SendError(*ex, {400, "\"lora_name\" (a string) is required", "lora_name", ""}, *stats_);
  }
  const std::string name = (*body)["lora_name"].get<std::string>();
  if (name.empty() || name.find(':') != std::string::npos) {
    return SendError(*ex, {400, "\"lora_name\" must be non-empty and without ':'", "lora_name", ""}, *stats_);
  }
  absl::Status st;
  if (load) {
    if (!body->contains("lora_path") || !(*body)["lora_path"].is_string()) {
      return SendError(*ex, {400, "\"lora_path\" (a string) is required", "lora_path", ""}, *stats_);
    }
    st = backend_->LoadAdapter(name, (*body)["lora_path"].get<std::string>());
  } else {
    st = backend_->UnloadAdapter(name);
  }
  if (!st.ok()) {
    return SendError(*ex, {absl::IsNotFound(st) ? 404 : 400, std::string(st.message()), "lora_name", ""}, *stats_);
  }
  ex->Respond(200, base::DumpJson(Json{{"status", load ? "loaded" : "unloaded"},
                                       {"model", base::StrCat(options_.model_name, ":", name)}}));
}

void ChatServer::Completions(const std::shared_ptr<net::HttpExchange>& ex) {
  ChatRequest request;
  RequestError error;
  if (!ParseChatRequest(ex->request().body, &request, &error)) return SendError(*ex, error, *stats_);

  // The model: the base, "base:adapter", or an adapter's bare name.
  std::string adapter;
  if (!request.model.empty() && request.model != options_.model_name) {
    const std::string prefix = options_.model_name + ":";
    adapter = request.model.rfind(prefix, 0) == 0 ? request.model.substr(prefix.size()) : request.model;
    const auto adapters = backend_->Adapters();
    if (std::find(adapters.begin(), adapters.end(), adapter) == adapters.end()) {
      return SendError(*ex,
                       {404, base::StrCat("The model `", request.model, "` does not exist. Served: ", options_.model_name,
                                          adapters.empty() ? "" : " and its adapters (GET /v1/models)"),
                        "model", "model_not_found"},
                       *stats_);
    }
  }

  auto rendered = format_->Render(request.messages, request.tools, /*add_generation_prompt=*/true,
                                  request.chat_template_kwargs);
  if (!rendered.ok()) {
    return SendError(*ex, {400, base::StrCat("cannot render the messages with the model's chat template: ",
                                             rendered.status().message()), "messages", ""},
                     *stats_);
  }
  auto c = std::make_shared<Completion>();
  if (request.tool_choice == "required") c->prefill = "<tool_call>\n";
  if (request.tool_choice == "function") {
    c->prefill = base::StrCat("<tool_call>\n{\"name\": ", base::DumpJson(Json(request.tool_choice_function)),
                              ", \"arguments\": ");
  }
  c->parse_tools = request.tool_choice != "none" && !request.tools.is_null();
  // Text streams at once: the reply starts in content (a leading <think> block is still
  // reasoning), or in reasoning when the template left a <think> open in the prompt.
  {
    std::string_view tail(*rendered);
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.remove_suffix(1);
    const bool open_think = tail.size() >= 7 && tail.substr(tail.size() - 7) == "<think>";
    c->hermes.start = open_think ? llm::HermesStart::kReasoning : llm::HermesStart::kContent;
    c->parser = llm::HermesStreamParser(c->hermes);
  }
  GenerateCall call;
  {
    std::vector<int32_t> ids = format_->tokenizer().Encode(*rendered + c->prefill);
    call.prompt.assign(ids.begin(), ids.end());
  }
  const int64_t context = backend_->max_context();
  const auto prompt_tokens = static_cast<int64_t>(call.prompt.size());
  if (prompt_tokens >= context) {
    return SendError(*ex, {400, base::StrCat("This model's maximum context length is ", context,
                                             " tokens; the messages take ", prompt_tokens, " tokens."),
                           "messages", "context_length_exceeded"},
                     *stats_);
  }
  int64_t max_new = request.max_tokens.value_or(options_.default_max_tokens);
  max_new = std::min(max_new, context - prompt_tokens);
  call.max_new_tokens = static_cast<int>(max_new);
  call.temperature = static_cast<float>(request.temperature.value_or(1.0));
  call.top_p = static_cast<float>(request.top_p.value_or(1.0));
  call.top_k = static_cast<int>(std::max<int64_t>(0, request.top_k.value_or(0)));
  if (request.seed) call.seed = static_cast<uint64_t>(*request.seed);
  call.stop_token_ids = stop_ids_;
  call.adapter = adapter;

  c->loop = loop_;
  c->alive = alive_;
  c->ex = ex;
  c->stats = stats_;
  c->tokenizer = &format_->tokenizer();
  c->stop = request.stop;
  c->stream = request.stream;
  c->include_usage = request.include_usage;
  c->id = base::StrCat("chatcmpl-", next_id_++);
  c->model = request.model.empty() ? options_.model_name : request.model;
  c->created = static_cast<int64_t>(std::time(nullptr));
  if (c->stream) {
    if (!c->prefill.empty()) (void)c->parser.Feed(c->prefill);  // inside a tool-call block: nothing to emit yet
    ex->BeginStream(200, "text/event-stream");
    ex->Write(base::StrCat("data: ", base::DumpJson(c->Chunk({{"role", "assistant"}, {"content", ""}}, nullptr)), "\n\n"));
  }
  call.on_token = [c](int64_t token) { return c->OnToken(token); };
  backend_->Submit(std::move(call), [c](absl::StatusOr<GenerateOutcome> outcome) { c->OnDone(std::move(outcome)); });
}

}  // namespace tracemill::serve
