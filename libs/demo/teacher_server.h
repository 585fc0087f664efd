// The scripted demo teacher behind an OpenAI-compatible endpoint, plus the demo site,
// on one loopback port:
//   POST /v1/chat/completions   plain or streaming (SSE), `tools`, usage
//   GET  /v1/models, /health
//   GET  /site/, /site/page/N   the demo web site the page_title tasks open
// It is labelled everywhere as what it is: model id "tracemill-demo-teacher",
// system_fingerprint "scripted-demo-teacher-not-a-model", and the header
// X-Tracemill-Teacher: scripted.
//
// The request's `model` picks the policy (teacher.h): the teacher, or one of the cheating
// policies "cheat-constant", "cheat-echo", "cheat-cutoff" that tests score; /v1/models
// lists all four. Ids are hashes of the request, so reruns record the same call ids.
//
// Reply modes: "tool_calls" (server-side tool parsing, as vLLM with a tool parser),
// "hermes" (raw <think>/<tool_call> text in `content`, as an endpoint without one), or
// "alternate" (per conversation, by a hash of its first user message: both in one run).
#ifndef TRACEMILL_LIBS_DEMO_TEACHER_SERVER_H_
#define TRACEMILL_LIBS_DEMO_TEACHER_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_server.h"

namespace tracemill::demo {

struct TeacherServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string mode = "alternate";  // tool_calls | hermes | alternate
  std::chrono::milliseconds latency{0};  // added before each completion (a slow teacher)
};

class TeacherServer {
 public:
  static absl::StatusOr<std::unique_ptr<TeacherServer>> Start(net::EventLoop* loop, TeacherServerOptions options);

  int port() const { return http_->port(); }
  std::string base_url() const;  // http://host:port/v1
  std::string site_url() const;  // http://host:port/site
  int64_t completions() const { return completions_; }

 private:
  TeacherServer(net::EventLoop* loop, TeacherServerOptions options) : loop_(loop), options_(std::move(options)) {}
  void Handle(std::shared_ptr<net::HttpExchange> exchange);
  void Complete(const std::shared_ptr<net::HttpExchange>& exchange);

  net::EventLoop* loop_;
  TeacherServerOptions options_;
  std::unique_ptr<net::HttpServer> http_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for delayed replies
  int64_t completions_ = 0;
};

}  // namespace tracemill::demo

#endif  // TRACEMILL_LIBS_DEMO_TEACHER_SERVER_H_
