// HttpServer: an HTTP/1.1 server on the EventLoop — one thread, non-blocking sockets, any
// number of keep-alive connections, streamed responses — for the demo teacher, the
// model server and test endpoints. The handler gets each request as an HttpExchange and
// answers it whenever it likes: at once, from a coroutine after co_await, or from another
// thread through EventLoop::Post. Requests on one connection are answered in order.
//
//   auto server = HttpServer::Start(&loop, {.port = 8000}, [](std::shared_ptr<HttpExchange> ex) {
//     if (ex->request().path == "/health") return ex->Respond(200, R"({"ok":true})");
//     ex->BeginStream(200, "text/event-stream");
//     ex->Write("data: 1\n\n");
//     ex->End();
//   });
//
// Everything here runs on the loop thread; HttpExchange's members must be called there.
// Malformed requests get a 4xx/5xx JSON error naming what was wrong, and the connection is
// closed; an exchange dropped without a response gets a 500.
#ifndef TRACEMILL_LIBS_NET_HTTP_SERVER_H_
#define TRACEMILL_LIBS_NET_HTTP_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_request_parser.h"

namespace tracemill::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class HttpExchange {
 public:
  ~HttpExchange();
  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;

  const ServerRequest& request() const { return request_; }

  // A whole response, with Content-Length.
  void Respond(int status, std::string_view body, std::string_view content_type = "application/json",
               const HeaderList& headers = {});
  // A streamed response: BeginStream, Write any number of times, End. Chunked on
  // HTTP/1.1; on 1.0 the body ends when the connection closes.
  void BeginStream(int status, std::string_view content_type, const HeaderList& headers = {});
  void Write(std::string_view data);
  void End();

  bool responded() const { return state_ != State::kNew; }
  bool finished() const { return state_ == State::kDone; }
  // The client has gone (closed or reset): writes are dropped; long work can stop.
  bool peer_gone() const;
  // Bytes written but not yet taken by the socket (to slow a fast producer down).
  size_t unsent_bytes() const;

 private:
  friend class HttpServer;
  struct Connection;
  HttpExchange(std::weak_ptr<Connection> connection, ServerRequest request)
      : connection_(std::move(connection)), request_(std::move(request)) {}
  enum class State { kNew, kStreaming, kDone };
  std::weak_ptr<Connection> connection_;
  ServerRequest request_;
  State state_ = State::kNew;
  bool chunked_ = false;
};

class HttpServer {
 public:
  using Handler = std::function<void(std::shared_ptr<HttpExchange>)>;
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port (see port())
    HttpParserLimits limits;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};  // keep-alive, and slow requests
    int max_connections = 4096;
  };

  // Binds and listens; the loop serves from its next turn.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(EventLoop* loop, Options options, Handler handler);
  ~HttpServer();  // closes the listener and every connection

  int port() const;
  std::string Url(std::string_view path = "/") const;  // http://host:port/path
  int open_connections() const;

  // The JSON error body used for bad requests: {"error": {"message", "type", "code"}},
  // as OpenAI-compatible servers send (type "invalid_request_error" for 4xx).
  static std::string ErrorBody(int status, std::string_view message);
  static std::string_view Reason(int status);

 private:
  friend struct HttpExchange::Connection;
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_HTTP_SERVER_H_
