#include "libs/net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/net/http_client.h"

namespace tracemill::net {
namespace {

using std::chrono_literals::operator""ms;

// A blocking raw-socket client, for bytes curl would never send.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view bytes) { (void)!::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Reads until the server closes (or 5 s pass).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads until `marker` has been seen `count` times.
  std::string ReadUntil(std::string_view marker, int count = 1) {
    std::string out;
    char buf[4096];
    auto seen = [&] {
      int n = 0;
      for (size_t p = out.find(marker); p != std::string::npos; p = out.find(marker, p + 1)) ++n;
      return n;
    };
    while (seen() < count) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Runs `client` on a thread while the loop serves, until it returns.
template <typename Fn>
auto WithClient(EventLoop& loop, Fn client) {
  std::optional<decltype(client())> result;
  std::atomic<bool> done{false};
  std::thread thread([&] {
    result.emplace(client());
    done = true;
    loop.Post([] {});  // wakes the loop to see it
  });
  loop.RunUntil([&] { return done.load(); });
  thread.join();
  return std::move(*result);
}

std::unique_ptr<HttpServer> MustStart(EventLoop* loop, HttpServer::Handler handler, HttpServer::Options options = {}) {
  auto server = HttpServer::Start(loop, std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status();
  return std::move(*server);
}

TEST(HttpServerTest, AnswersCurlAndReusesTheConnection) {
  EventLoop loop;
  auto server = MustStart(&loop, [](std::shared_ptr<HttpExchange> ex) {
    const ServerRequest& r = ex->request();
    ex->Respond(201, r.method + " " + r.path + " " + r.query + " " + std::string(r.Header("x-a").value_or("-")) + " " + r.body,
                "text/plain", {{"X-Reply", "yes"}});
  });
  HttpClient http(&loop);
  for (int i = 0; i < 3; ++i) {
    auto r = RunTask(loop, http.Send({.method = "POST", .url = server->Url("/v1/x?y=1"), .headers = {{"X-A", "7"}}, .body = "hi"}));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->body, "POST /v1/x y=1 7 hi");
    EXPECT_EQ(r->Header("x-reply"), "yes");
    EXPECT_EQ(r->Header("content-type"), "text/plain");
  }
  EXPECT_EQ(server->open_connections(), 1);
}

TEST(HttpServerTest, LargeBodiesBothWays) {
  EventLoop loop;
  auto server = MustStart(&loop, [](std::shared_ptr<HttpExchange> ex) {
    ex->Respond(200, std::to_string(ex->request().body.size()) + ":" + std::string(3 << 20, 'z'), "text/plain");
  });
  HttpClient http(&loop);
  auto r = RunTask(loop, http.Send({.method = "POST", .url = server->Url("/big"), .body = std::string(5 << 20, 'a'),
                                    .timeout = std::chrono::milliseconds(20000)}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body.substr(0, 8), "5242880:");
  EXPECT_EQ(r->body.size(), 8u + (3u << 20));
}

TEST(HttpServerTest, AnswersExpect100ContinueBeforeTheBody) {
  EventLoop loop;
  auto server = MustStart(&loop, [](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, ex->request().body, "text/plain"); });
  const std::string got = WithClient(loop, [port = server->port()] {
    RawClient c(port);
    c.Send("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
    std::string interim = c.ReadUntil("\r\n\r\n");  // the client waits for this before sending
    c.Send("hello");
    return interim + "|" + c.ReadAll();
  });
  EXPECT_EQ(got.rfind("HTTP/1.1 100 Continue\r\n\r\n|HTTP/1.1 200 OK", 0), 0u) << got;
  EXPECT_EQ(got.substr(got.size() - 5), "hello");
}

TEST(HttpServerTest, StreamsChunksAsTheyAreWrittenFromACoroutine) {
  EventLoop loop;
  auto handler = [&loop](std::shared_ptr<HttpExchange> ex) -> Task<void> {
    ex->BeginStream(200, "text/event-stream");
    for (int i = 0; i < 3; ++i) {
      ex->Write("data: " + std::to_string(i) + "\n\n");
      co_await loop.Sleep(30ms);
    }
    ex->End();
  };
  auto server = MustStart(&loop, [&](std::shared_ptr<HttpExchange> ex) { Spawn(handler(std::move(ex))); });
  HttpClient http(&loop);
  std::vector<std::string> pieces;
  std::string content_type;
  auto r = RunTask(loop, http.Stream({.url = server->Url("/s")},
                                     [&](const HttpResponse& h) { content_type = h.Header("content-type").value_or(""); },
                                     [&](std::string_view d) { pieces.emplace_back(d); }));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(content_type, "text/event-stream");
  std::string all;
  for (const auto& p : pieces) all += p;
  EXPECT_EQ(all, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  EXPECT_GE(pieces.size(), 3u);  // arrived as written, not at the end
}

TEST(HttpServerTest, AnswersFromAnotherThreadThroughPost) {
  EventLoop loop;
  std::vector<std::thread> workers;
  auto server = MustStart(&loop, [&](std::shared_ptr<HttpExchange> ex) {
    workers.emplace_back([&loop, ex] {
      std::this_thread::sleep_for(20ms);
      loop.Post([ex] { ex->Respond(200, "from a worker", "text/plain"); });
    });
  });
  HttpClient http(&loop);
  auto r = RunTask(loop, http.Send({.url = server->Url("/")}));
  for (auto& w : workers) w.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "from a worker");
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  EventLoop loop;
  std::vector<std::shared_ptr<HttpExchange>> held;
  auto server = MustStart(&loop, [&](std::shared_ptr<HttpExchange> ex) {
    if (ex->request().path == "/slow") {
      loop.After(50ms, [ex] { ex->Respond(200, "slow", "text/plain"); });
    } else {
      ex->Respond(200, ex->request().path, "text/plain");
    }
  });
  const std::string got = WithClient(loop, [port = server->port()] {
    RawClient c(port);
    c.Send("GET /slow HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
           "2\r\nxy\r\n0\r\n\r\nGET /c HTTP/1.1\r\nConnection: close\r\n\r\n");
    return c.ReadAll();
  });
  const size_t slow = got.find("\r\n\r\nslow"), a = got.find("\r\n\r\n/a"), b = got.find("\r\n\r\n/b"),
               c = got.find("\r\n\r\n/c");
  ASSERT_NE(slow, std::string::npos) << got;
  ASSERT_NE(c, std::string::npos) << got;
  EXPECT_LT(slow, a);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
}

TEST(HttpServerTest, BadRequestsGetAJsonErrorAndTheConnectionCloses) {
  EventLoop loop;
  int handled = 0;
  auto server = MustStart(
      &loop, [&](std::shared_ptr<HttpExchange> ex) { ++handled, ex->Respond(200, "ok", "text/plain"); },
      {.limits = {.max_head = 1024, .max_body = 100}});
  struct Case {
    std::string wire;
    std::string status_line;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"NOT HTTP\r\n\r\n", "HTTP/1.1 400 Bad Request", "bad request line"},
      {"GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", "HTTP/1.1 431 ", "request head over 1024 bytes"},
      {"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", "HTTP/1.1 413 ", "over the limit of 100"},
      {"GET / HTTP/3.0\r\n\r\n", "HTTP/1.1 505 ", "not supported"},
  };
  for (const Case& c : cases) {
    const std::string got = WithClient(loop, [&, port = server->port()] {
      RawClient raw(port);
      raw.Send(c.wire);
      return raw.ReadAll();  // returns only when the server closes
    });
    EXPECT_EQ(got.rfind(c.status_line, 0), 0u) << got;
    EXPECT_NE(got.find("{\"error\":{\"message\":\"request 1 on this connection: "), std::string::npos) << got;
    EXPECT_NE(got.find(c.says), std::string::npos) << got;
  }
  EXPECT_EQ(handled, 0);
  loop.RunUntil([&] { return server->open_connections() == 0; });
}

TEST(HttpServerTest, DroppedExchangeGets500AndHeadGetsNoBody) {
  EventLoop loop;
  auto server = MustStart(&loop, [](std::shared_ptr<HttpExchange> ex) {
    if (ex->request().method == "HEAD") ex->Respond(200, "12345", "text/plain");
    // else: dropped unanswered
  });
  HttpClient http(&loop);
  auto r = RunTask(loop, http.Send({.url = server->Url("/")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("without answering"), std::string::npos);
  const std::string head = WithClient(loop, [port = server->port()] {
    RawClient c(port);
    c.Send("HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
    return c.ReadAll();
  });
  EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << head;
}

TEST(HttpServerTest, Http10GetsA10AnswerAndAClose) {
  EventLoop loop;
  auto server = MustStart(&loop, [](std::shared_ptr<HttpExchange> ex) {
    ex->BeginStream(200, "text/plain");
    ex->Write("part1 ");
    ex->Write("part2");
    ex->End();
  });
  const std::string got = WithClient(loop, [port = server->port()] {
    RawClient c(port);
    c.Send("GET / HTTP/1.0\r\n\r\n");
    return c.ReadAll();
  });
  EXPECT_EQ(got.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("chunked"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 11), "part1 part2");
}

TEST(HttpServerTest, AClientLeavingMidStreamIsNoticed) {
  EventLoop loop;
  std::shared_ptr<HttpExchange> streaming;
  auto server = MustStart(&loop, [&](std::shared_ptr<HttpExchange> ex) {
    ex->BeginStream(200, "text/event-stream");
    ex->Write("data: first\n\n");
    streaming = ex;
  });
  const std::string got = WithClient(loop, [port = server->port()] {
    RawClient c(port);
    c.Send("GET / HTTP/1.1\r\n\r\n");
    return c.ReadUntil("first");
  });  // the client closes here
  ASSERT_NE(got.find("data: first"), std::string::npos) << got;
  ASSERT_NE(streaming, nullptr);
  loop.RunUntil([&] { return streaming->peer_gone(); });
  streaming->Write("data: nobody listens\n\n");  // dropped, no crash
  streaming->End();
  EXPECT_EQ(server->open_connections(), 0);
}

TEST(HttpServerTest, IdleConnectionsAreClosedAndTooManyAreRefused) {
  EventLoop loop;
  auto server = MustStart(
      &loop, [](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, "ok", "text/plain"); },
      {.idle_timeout = 100ms, .max_connections = 1});
  const std::string got = WithClient(loop, [port = server->port()] {
    RawClient first(port);
    first.Send("GET / HTTP/1.1\r\n\r\n");
    std::string a = first.ReadUntil("ok");
    RawClient second(port);  // over max_connections while the first is open
    std::string b = second.ReadAll();
    std::string rest = first.ReadAll();  // returns when the idle timeout closes it
    return a + "|" + b + "|" + rest;
  });
  EXPECT_NE(got.find("200 OK"), std::string::npos) << got;
  EXPECT_NE(got.find("|HTTP/1.1 503 "), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 1), "|") << got;
  loop.RunUntil([&] { return server->open_connections() == 0; });
}

TEST(HttpServerTest, ReportsAPortInUse) {
  EventLoop loop;
  auto first = MustStart(&loop, [](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, ""); });
  auto second = HttpServer::Start(&loop, {.port = first->port()}, [](std::shared_ptr<HttpExchange>) {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("cannot listen on 127.0.0.1:"), std::string::npos) << second.status();
}

}  // namespace
}  // namespace tracemill::net
