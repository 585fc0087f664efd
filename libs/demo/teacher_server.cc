#include "libs/demo/teacher_server.h"

#include <cstdio>
#include <ctime>
#include <functional>

#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/demo/demo_tasks.h"
#include "libs/demo/teacher.h"

namespace tracemill::demo {
namespace {

constexpr const char* kFingerprint = "scripted-demo-teacher-not-a-model";

const net::HeaderList& Label() {
  static const net::HeaderList kLabel = {{"X-Tracemill-Teacher", "scripted"}};
  return kLabel;
}

void Error(net::HttpExchange& ex, int status, std::string_view message) {
  ex.Respond(status, net::HttpServer::ErrorBody(status, message), "application/json", Label());
}

// A rough token count (about four bytes a token): the teacher has no tokenizer, and
// says so by being consistent rather than exact.
int64_t ApproxTokens(std::string_view text) { return static_cast<int64_t>(text.size() + 3) / 4; }

std::string FirstUserText(const Json& request) {
  for (const Json& m : request["messages"]) {
    if (m.is_object() && m.value("role", "") == "user" && m.contains("content") && m["content"].is_string()) {
      return m["content"].get<std::string>();
    }
  }
  return "";
}

// Splits `s` into two pieces (for streaming fragments), at a UTF-8 boundary.
std::pair<std::string, std::string> Halves(const std::string& s) {
  size_t mid = s.size() / 2;
  while (mid > 0 && mid < s.size() && (static_cast<unsigned char>(s[mid]) & 0xC0) == 0x80) --mid;
  return {s.substr(0, mid), s.substr(mid)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<TeacherServer>> TeacherServer::Start(net::EventLoop* loop, TeacherServerOptions options) {
  if (options.mode != "tool_calls" && options.mode != "hermes" && options.mode != "alternate") {
    return absl::InvalidArgumentError(
        base::StrCat("demo teacher: unknown mode \"", options.mode, "\" (tool_calls, hermes or alternate)"));
  }
  std::unique_ptr<TeacherServer> server(new TeacherServer(loop, options));
  TeacherServer* raw = server.get();
  auto http = net::HttpServer::Start(loop, {.host = options.host, .port = options.port},
                                     [raw](std::shared_ptr<net::HttpExchange> ex) { raw->Handle(std::move(ex)); });
  if (!http.ok()) return http.status();
  server->http_ = std::move(*http);
  return server;
}

std::string TeacherServer::base_url() const { return http_->Url("/v1"); }

std::string TeacherServer::site_url() const { return http_->Url("/site"); }

void TeacherServer::Handle(std::shared_ptr<net::HttpExchange> ex) {
  const net::ServerRequest& r = ex->request();
  if (r.path == "/health") return ex->Respond(200, R"({"status":"ok"})", "application/json", Label());
  if (r.path == "/v1/models") {
    if (r.method != "GET") return Error(*ex, 405, "use GET for /v1/models");
    Json models = {{"object", "list"},
                         {"data", Json::array()}};
    for (const char* id : {kTeacherModel, kConstantModel, kEchoModel, kCutoffModel}) {
      models["data"].push_back({{"id", id}, {"object", "model"}, {"created", 0},
                                {"owned_by", "tracemill (scripted demo policy, not a model)"}});
    }
    return ex->Respond(200, models.dump(), "application/json", Label());
  }
  if (r.path == "/v1/chat/completions") {
    if (r.method != "POST") return Error(*ex, 405, "use POST for /v1/chat/completions");
    if (options_.latency.count() > 0) {
      std::weak_ptr<bool> alive = alive_;
      loop_->After(options_.latency, [this, ex, alive] {
        if (!alive.expired()) Complete(ex);
      });
      return;
    }
    return Complete(ex);
  }
  if (r.path == "/favicon.ico") return ex->Respond(204, "", "");  // no console error in the browser
  if (r.path == "/site" || r.path == "/site/") return ex->Respond(200, IndexHtml(), "text/html; charset=utf-8");
  if (r.path.rfind("/site/page/", 0) == 0) {
    const std::string n_text = r.path.substr(11);
    int n = 0;
    bool ok = !n_text.empty() && n_text.size() < 6;
    for (char c : n_text) ok = ok && c >= '0' && c <= '9';
    if (ok) n = std::stoi(n_text);
    if (ok && n >= 1 && n <= kPages) return ex->Respond(200, PageHtml(n), "text/html; charset=utf-8");
    return ex->Respond(404, "<!doctype html><title>Not found</title><h1>No such page</h1>", "text/html; charset=utf-8");
  }
  Error(*ex, 404, base::StrCat("no route for ", r.method, " ", r.path));
}

void TeacherServer::Complete(const std::shared_ptr<net::HttpExchange>& ex) {
  auto request = base::ParseJson(ex->request().body, "request body");
  if (!request.ok()) return Error(*ex, 400, std::string(request.status().message()));
  const std::string model = request->is_object() ? request->value("model", "") : "";
  const Policy policy = PolicyForModel(model);
  auto turn = DecideNextTurn(*request, policy);
  if (!turn.ok()) return Error(*ex, 400, std::string(turn.status().message()));
  ++completions_;
  const bool hermes = options_.mode == "hermes" || policy == Policy::kCutoff ||
                      (options_.mode == "alternate" && std::hash<std::string>{}(FirstUserText(*request)) % 2 == 1);
  // Ids come from the request, not from arrival order: a rerun of the same conversations
  // with agents in parallel records the same call ids.
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016zx", std::hash<std::string>{}(ex->request().body));
  const std::string id = base::StrCat("chatcmpl-teacher-", hash);
  const char* served = policy == Policy::kConstant ? kConstantModel
                       : policy == Policy::kEcho   ? kEchoModel
                       : policy == Policy::kCutoff ? kCutoffModel
                                                   : kTeacherModel;
  const int64_t created = static_cast<int64_t>(std::time(nullptr));

  Json message = {{"role", "assistant"}};
  std::string finish = "stop";
  Json tool_calls = Json::array();
  if (policy == Policy::kCutoff) {
    message["content"] = CutOffHermesText(*turn);
    finish = "length";
  } else if (hermes) {
    message["content"] = ToHermesText(*turn);
  } else {
    message["content"] = turn->content.empty() && !turn->calls.empty() ? Json(nullptr) : Json(turn->content);
    if (!turn->reasoning.empty()) message["reasoning_content"] = turn->reasoning;
    for (size_t i = 0; i < turn->calls.size(); ++i) {
      tool_calls.push_back({{"id", base::StrCat("call_", hash, "_", i)},
                            {"type", "function"},
                            {"function", {{"name", turn->calls[i].name}, {"arguments", turn->calls[i].arguments.dump()}}}});
    }
    if (!tool_calls.empty()) {
      message["tool_calls"] = tool_calls;
      finish = "tool_calls";
    }
  }
  const int64_t prompt_tokens = ApproxTokens(ex->request().body);
  const int64_t completion_tokens = ApproxTokens(message.dump());
  const Json usage = {{"prompt_tokens", prompt_tokens},
                      {"completion_tokens", completion_tokens},
                      {"total_tokens", prompt_tokens + completion_tokens}};

  const bool stream = request->value("stream", false);
  if (!stream) {
    const Json reply = {{"id", id},
                        {"object", "chat.completion"},
                        {"created", created},
                        {"model", served},
                        {"system_fingerprint", kFingerprint},
                        {"choices", Json::array({{{"index", 0}, {"message", message}, {"finish_reason", finish}}})},
                        {"usage", usage}};
    return ex->Respond(200, reply.dump(), "application/json", Label());
  }
  // Streaming: the same turn as deltas, every field split so clients must merge.
  ex->BeginStream(200, "text/event-stream", Label());
  auto chunk = [&](const Json& delta, const Json& finish_reason) {
    const Json c = {{"id", id},
                    {"object", "chat.completion.chunk"},
                    {"created", created},
                    {"model", served},
                    {"system_fingerprint", kFingerprint},
                    {"choices", Json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}}})}};
    ex->Write(base::StrCat("data: ", c.dump(), "\n\n"));
  };
  chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  if (message.contains("reasoning_content")) {
    auto [a, b] = Halves(message["reasoning_content"].get<std::string>());
    chunk({{"reasoning_content", a}}, nullptr);
    chunk({{"reasoning_content", b}}, nullptr);
  }
  if (message["content"].is_string() && !message["content"].get<std::string>().empty()) {
    auto [a, b] = Halves(message["content"].get<std::string>());
    chunk({{"content", a}}, nullptr);
    chunk({{"content", b}}, nullptr);
  }
  for (size_t i = 0; i < tool_calls.size(); ++i) {
    const Json& call = tool_calls[i];
    auto [a, b] = Halves(call["function"]["arguments"].get<std::string>());
    chunk({{"tool_calls", Json::array({{{"index", i},
                                        {"id", call["id"]},
                                        {"type", "function"},
                                        {"function", {{"name", call["function"]["name"]}, {"arguments", a}}}}})}},
          nullptr);
    chunk({{"tool_calls", Json::array({{{"index", i}, {"function", {{"arguments", b}}}}})}}, nullptr);
  }
  chunk(Json::object(), finish);
  const auto options = request->find("stream_options");
  if (options != request->end() && options->is_object() && options->value("include_usage", false)) {
    const Json c = {{"id", id},           {"object", "chat.completion.chunk"}, {"created", created},
                    {"model", served}, {"choices", Json::array()},          {"usage", usage}};
    ex->Write(base::StrCat("data: ", c.dump(), "\n\n"));
  }
  ex->Write("data: [DONE]\n\n");
  ex->End();
}

}  // namespace tracemill::demo
