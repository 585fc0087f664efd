#include "libs/net/http_client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/net/sse.h"
#include "libs/net/test_http_server.h"

namespace tracemill::net {
namespace {

using std::chrono_literals::operator""ms;

TEST(HttpClientTest, PostsAndReadsStatusHeadersAndBody) {
  TestHttpServer server([](const TestHttpServer::Request& r, TestHttpServer::Connection& c) {
    const std::string body = r.method + " " + r.path + " " + r.Header("x-thing").value_or("-") +
                             " " + r.body;
    c.Write(TestHttpServer::Response(201, body, "text/plain", "X-Reply: yes\r\n"));
  });
  EventLoop loop;
  HttpClient http(&loop);
  auto r = RunTask(loop, http.Send({.method = "POST",
                                    .url = server.Url("/v1/x"),
                                    .headers = {{"X-Thing", "42"}},
                                    .body = "{\"a\":1}"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST /v1/x 42 {\"a\":1}");
  EXPECT_EQ(r->Header("X-REPLY"), "yes");
  EXPECT_EQ(r->Header("content-type"), "text/plain");
  auto get = RunTask(loop, http.Send({.url = server.Url("/g")}));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "GET /g - ");
}

TEST(HttpClientTest, ManyRequestsInFlightOnOneThread) {
  std::atomic<int> in_flight{0}, most{0};
  TestHttpServer server([&](const TestHttpServer::Request& r, TestHttpServer::Connection& c) {
    const int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(100ms);
    --in_flight;
    c.Write(TestHttpServer::Response(200, r.body));
  });
  EventLoop loop;
  HttpClient http(&loop);
  constexpr int kRequests = 64;
  int done = 0, ok = 0;
  for (int i = 0; i < kRequests; ++i) {
    Spawn(http.Send({.method = "POST", .url = server.Url("/"), .body = std::to_string(i)}),
          std::function<void(absl::StatusOr<HttpResponse>)>(
              [&, i](absl::StatusOr<HttpResponse> r) {
                ++done;
                ok += r.ok() && r->body == std::to_string(i);
              }));
  }
  loop.RunUntil([&] { return done == kRequests; });
  EXPECT_EQ(ok, kRequests);
  // They overlapped: the loop did not wait for one before sending the next.
  EXPECT_GT(most.load(), kRequests / 2);
}

TEST(HttpClientTest, StreamsServerSentEventsAsTheyArrive) {
  TestHttpServer server([](const TestHttpServer::Request&, TestHttpServer::Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 5; ++i) {
      c.Write("data: {\"i\": " + std::to_string(i) + "}\n");
      std::this_thread::sleep_for(10ms);
      c.Write("\n");
    }
    c.Write("data: [DONE]\n\n");
    c.Close();
  });
  EventLoop loop;
  HttpClient http(&loop);
  SseParser parser;
  std::vector<SseEvent> events;
  int status_seen = 0;
  int deliveries = 0;
  auto r = RunTask(loop, http.Stream({.method = "POST", .url = server.Url("/s"), .body = "{}"},
                                     [&](const HttpResponse& h) { status_seen = h.status; },
                                     [&](std::string_view chunk) {
                                       ++deliveries;
                                       parser.Feed(chunk, &events);
                                     }));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(status_seen, 200);
  EXPECT_TRUE(r->body.empty());
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[2].data, "{\"i\": 2}");
  EXPECT_EQ(events[5].data, "[DONE]");
  EXPECT_GT(deliveries, 1);  // in pieces, not at the end
}

TEST(HttpClientTest, TransportFailuresAreStatusesNamingTheRequest) {
  EventLoop loop;
  HttpClient http(&loop);
  int port;
  {
    TestHttpServer gone([](const auto&, auto&) {});
    port = gone.port();
  }
  auto refused = RunTask(loop, http.Send({.url = "http://127.0.0.1:" + std::to_string(port) + "/x"}));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("GET http://127.0.0.1"), std::string::npos)
      << refused.status();

  TestHttpServer slow([](const TestHttpServer::Request&, TestHttpServer::Connection& c) {
    std::this_thread::sleep_for(500ms);
    c.Write(TestHttpServer::Response(200, "late"));
  });
  auto late = RunTask(loop, http.Send({.url = slow.Url("/"), .timeout = 100ms}));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();

  TestHttpServer reset([](const TestHttpServer::Request&, TestHttpServer::Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    c.Close();
  });
  auto cut = RunTask(loop, http.Send({.url = reset.Url("/")}));
  EXPECT_FALSE(cut.ok());
}

TEST(HttpClientTest, HeaderValuesNeverAppearInErrors) {
  EventLoop loop;
  HttpClient http(&loop);
  auto r = RunTask(loop, http.Send({.url = "http://127.0.0.1:1/",
                                    .headers = {{"Authorization", "Bearer sk-secret-123"}}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()).find("sk-secret"), std::string::npos);
}

}  // namespace
}  // namespace tracemill::net
