#include "libs/net/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "absl/status/status.h"
#include "libs/base/str_cat.h"
#include "nlohmann/json.hpp"

namespace tracemill::net {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxQueuedInput = 1 << 20;  // bytes read while a request is being answered

std::string Head(int status, int minor_version, std::string_view content_type, const HeaderList& headers,
                 std::string_view framing, bool close) {
  std::string h = base::StrCat("HTTP/1.", minor_version, " ", status, " ", HttpServer::Reason(status),
                               "\r\nServer: tracemill\r\n");
  if (!content_type.empty()) base::StrAppend(&h, "Content-Type: ", content_type, "\r\n");
  for (const auto& [k, v] : headers) base::StrAppend(&h, k, ": ", v, "\r\n");
  base::StrAppend(&h, framing);
  if (close) {
    h += "Connection: close\r\n";
  } else if (minor_version == 0) {
    h += "Connection: keep-alive\r\n";
  }
  h += "\r\n";
  return h;
}

}  // namespace

struct HttpServer::Impl {
  EventLoop* loop = nullptr;
  Options options;
  Handler handler;
  int listen_fd = -1;
  int port = 0;
  EventLoop::WatchId listen_watch = 0;
  uint64_t next_id = 1;
  std::map<uint64_t, std::shared_ptr<HttpExchange::Connection>> connections;

  void Accept();
  void Remove(uint64_t id) { connections.erase(id); }
};

struct HttpExchange::Connection : std::enable_shared_from_this<HttpExchange::Connection> {
  HttpServer::Impl* server = nullptr;
  uint64_t id = 0;
  int fd = -1;
  EventLoop::WatchId watch = 0;
  int watched_events = 0;
  HttpRequestParser parser;
  std::string queued_in;   // read while an exchange is open, parsed after it
  std::string out;         // written, not yet sent
  size_t out_pos = 0;
  std::weak_ptr<HttpExchange> current;
  bool busy = false;       // an exchange is open
  bool close_after = false;  // close once `out` is sent
  bool read_eof = false;
  bool closed = false;
  bool dispatching = false;
  bool redispatch = false;
  Clock::time_point last_activity = Clock::now();
  EventLoop::TimerId idle_timer = 0;

  explicit Connection(HttpParserLimits limits) : parser(limits) {}

  void Watch(int events) {
    if (closed || events == watched_events) return;
    if (watch != 0) server->loop->Unwatch(watch);
    watch = 0;
    watched_events = events;
    if (events == 0) return;  // paused: input is queued up to kMaxQueuedInput
    std::weak_ptr<Connection> weak = shared_from_this();
    watch = server->loop->Watch(fd, events, [weak](int revents) {
      if (auto self = weak.lock()) self->OnReady(revents);
    });
  }

  void UpdateWatch() {
    int events = 0;
    const bool want_read = !read_eof && !close_after && (!busy || queued_in.size() < kMaxQueuedInput);
    if (want_read) events |= EventLoop::kReadable;
    if (out_pos < out.size()) events |= EventLoop::kWritable;
    Watch(events);
  }

  void ArmIdleTimer() {
    if (idle_timer != 0 || closed) return;
    const auto due = last_activity + server->options.idle_timeout - Clock::now();
    std::weak_ptr<Connection> weak = shared_from_this();
    idle_timer = server->loop->After(
        std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(due)),
        [weak] {
          auto self = weak.lock();
          if (!self) return;
          self->idle_timer = 0;
          if (self->busy) return;  // the handler's time is its own; re-armed when it ends
          if (Clock::now() - self->last_activity >= self->server->options.idle_timeout) {
            self->Close();
          } else {
            self->ArmIdleTimer();
          }
        });
  }

  void Send(std::string_view bytes) {
    if (closed) return;
    out.append(bytes);
    Flush();
  }

  void Flush() {
    while (!closed && out_pos < out.size()) {
      const ssize_t n = ::send(fd, out.data() + out_pos, out.size() - out_pos, MSG_NOSIGNAL);
      if (n > 0) {
        out_pos += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Close();
      return;
    }
    if (closed) return;
    if (out_pos == out.size()) {
      out.clear();
      out_pos = 0;
      if (close_after && !busy) {
        Close();
        return;
      }
    } else if (out_pos > (1 << 16) && out_pos > out.size() / 2) {
      out.erase(0, out_pos);
      out_pos = 0;
    }
    UpdateWatch();
  }

  void OnReady(int revents) {
    auto keep = shared_from_this();
    if (revents & EventLoop::kWritable) Flush();
    if (closed) return;
    if (revents & EventLoop::kReadable) ReadSome();
    if (closed) return;
    if ((revents & EventLoop::kError) && !(revents & EventLoop::kReadable)) Close();
  }

  void ReadSome() {
    char buf[64 * 1024];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Close();
      return;
    }
    last_activity = Clock::now();
    if (n == 0) {
      read_eof = true;
      if (busy) {  // the client went away: the exchange sees peer_gone()
        Close();
        return;
      }
      close_after = true;  // answer what arrived complete, then close
      Dispatch();
      return;
    }
    if (busy) {
      queued_in.append(buf, static_cast<size_t>(n));
      UpdateWatch();
      return;
    }
    parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    Dispatch();
  }

  // Starts the next complete request, or answers a parse error. A loop, not recursion: a
  // handler that answers at once would otherwise nest a call per pipelined request.
  void Dispatch() {
    if (dispatching) {
      redispatch = true;
      return;
    }
    auto keep = shared_from_this();
    dispatching = true;
    do {
      redispatch = false;
      DispatchOnce();
    } while (redispatch && !closed);
    dispatching = false;
  }

  void DispatchOnce() {
    if (busy || closed) return;
    if (!queued_in.empty()) {
      std::string in = std::move(queued_in);
      queued_in.clear();
      parser.Feed(in);
    }
    ServerRequest request;
    if (parser.Next(&request)) {
      busy = true;
      auto exchange = std::shared_ptr<HttpExchange>(new HttpExchange(weak_from_this(), std::move(request)));
      current = exchange;
      UpdateWatch();
      server->handler(std::move(exchange));  // may answer, and so finish, before returning
      return;
    }
    if (parser.failed()) {
      const int status = parser.error_status();
      const std::string body = HttpServer::ErrorBody(status, parser.error());
      close_after = true;
      Send(base::StrCat(Head(status, 1, "application/json", {}, base::StrCat("Content-Length: ", body.size(), "\r\n"), true),
                        body));
      return;
    }
    if (parser.WantsContinue()) {
      parser.AckContinue();
      Send("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (read_eof || close_after) {
      close_after = true;
      Flush();
      return;
    }
    UpdateWatch();
    ArmIdleTimer();
  }

  // The current exchange has written its whole response.
  void ExchangeDone(bool keep_alive) {
    busy = false;
    current.reset();
    last_activity = Clock::now();
    if (!keep_alive) close_after = true;
    if (closed) return;
    if (close_after) {
      queued_in.clear();
      Flush();
      return;
    }
    Flush();
    if (!closed) Dispatch();
  }

  void Close() {
    if (closed) return;
    closed = true;
    if (watch != 0) server->loop->Unwatch(watch);
    if (idle_timer != 0) server->loop->Cancel(idle_timer);
    ::close(fd);
    fd = -1;
    server->Remove(id);  // `this` lives on while a callback or exchange holds it
  }
};

HttpExchange::~HttpExchange() {
  if (state_ == State::kDone) return;
  auto c = connection_.lock();
  if (!c || c->closed) return;
  if (state_ == State::kNew) {
    Respond(500, HttpServer::ErrorBody(500, "the handler dropped the request without answering it"));
  } else {
    End();
  }
}

bool HttpExchange::peer_gone() const {
  auto c = connection_.lock();
  return !c || c->closed;
}

size_t HttpExchange::unsent_bytes() const {
  auto c = connection_.lock();
  return c && !c->closed ? c->out.size() - c->out_pos : 0;
}

void HttpExchange::Respond(int status, std::string_view body, std::string_view content_type,
                           const HeaderList& headers) {
  if (state_ != State::kNew) return;
  state_ = State::kDone;
  auto c = connection_.lock();
  if (!c || c->closed) return;
  const bool keep = request_.keep_alive && !c->close_after;
  std::string bytes = Head(status, request_.minor_version, content_type, headers,
                           base::StrCat("Content-Length: ", body.size(), "\r\n"), !keep);
  if (request_.method != "HEAD") bytes.append(body);
  c->out.append(bytes);
  c->ExchangeDone(keep);
}

void HttpExchange::BeginStream(int status, std::string_view content_type, const HeaderList& headers) {
  if (state_ != State::kNew) return;
  state_ = State::kStreaming;
  auto c = connection_.lock();
  if (!c || c->closed) return;
  chunked_ = request_.minor_version >= 1;
  const bool keep = chunked_ && request_.keep_alive && !c->close_after;
  HeaderList all = headers;
  if (content_type == "text/event-stream") all.emplace_back("Cache-Control", "no-cache");
  c->Send(Head(status, request_.minor_version, content_type, all, chunked_ ? "Transfer-Encoding: chunked\r\n" : "",
               !keep));
  if (!keep) c->close_after = true;
}

void HttpExchange::Write(std::string_view data) {
  if (state_ != State::kStreaming || data.empty()) return;
  auto c = connection_.lock();
  if (!c || c->closed) return;
  if (chunked_) {
    char size[24];
    std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    c->Send(base::StrCat(size, data, "\r\n"));
  } else {
    c->Send(data);
  }
}

void HttpExchange::End() {
  if (state_ != State::kStreaming) return;
  state_ = State::kDone;
  auto c = connection_.lock();
  if (!c || c->closed) return;
  if (chunked_) c->out.append("0\r\n\r\n");
  c->ExchangeDone(!c->close_after);
}

void HttpServer::Impl::Accept() {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error: try again on the next readiness
    if (static_cast<int>(connections.size()) >= options.max_connections) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_shared<HttpExchange::Connection>(options.limits);
    c->server = this;
    c->id = next_id++;
    c->fd = fd;
    connections.emplace(c->id, c);
    c->UpdateWatch();
    c->ArmIdleTimer();
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (impl_->listen_watch != 0) impl_->loop->Unwatch(impl_->listen_watch);
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  auto connections = std::move(impl_->connections);
  for (auto& [id, c] : connections) {
    c->server = impl_.get();
    c->Close();
  }
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(EventLoop* loop, Options options, Handler handler) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options.port);
  if (const int rc = ::getaddrinfo(options.host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(
        base::StrCat("HTTP server: cannot resolve host \"", options.host, "\": ", gai_strerror(rc)));
  }
  int fd = -1;
  std::string last_error;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return absl::UnavailableError(base::StrCat("HTTP server: cannot listen on ", options.host, ":", options.port,
                                               ": ", last_error.empty() ? "no usable address" : last_error));
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto impl = std::make_unique<Impl>();
  impl->loop = loop;
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->listen_fd = fd;
  impl->port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  Impl* raw = impl.get();
  impl->listen_watch = loop->Watch(fd, EventLoop::kReadable, [raw](int) { raw->Accept(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

int HttpServer::open_connections() const { return static_cast<int>(impl_->connections.size()); }

std::string HttpServer::Url(std::string_view path) const {
  const std::string& host = impl_->options.host;
  const bool v6 = host.find(':') != std::string::npos;
  const std::string shown = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "[::1]" : v6 ? base::StrCat("[", host, "]") : host;
  return base::StrCat("http://", shown, ":", impl_->port, path.empty() || path[0] != '/' ? "/" : "", path);
}

std::string HttpServer::ErrorBody(int status, std::string_view message) {
  nlohmann::ordered_json error = {{"message", std::string(message)},
                {"type", status >= 500 ? "server_error" : "invalid_request_error"},
                {"code", nullptr}};
  return nlohmann::ordered_json{{"error", std::move(error)}}.dump();
}

std::string_view HttpServer::Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

}  // namespace tracemill::net
