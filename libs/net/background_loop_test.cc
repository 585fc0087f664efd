#include "libs/net/background_loop.h"

#include <atomic>
#include <memory>
#include <thread>

#include "gtest/gtest.h"
#include "libs/net/http_client.h"
#include "libs/net/http_server.h"

namespace tracemill::net {
namespace {

TEST(BackgroundLoopTest, CallRunsOnTheLoopThreadAndReturnsItsResult) {
  BackgroundLoop bg;
  const std::thread::id loop_thread = bg.Call([](EventLoop*) { return std::this_thread::get_id(); });
  EXPECT_NE(loop_thread, std::this_thread::get_id());
  EXPECT_EQ(bg.Call([](EventLoop*) { return 41 + 1; }), 42);
  bool ran = false;
  bg.Call([&](EventLoop*) { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(BackgroundLoopTest, AServerOnItAnswersWhileThisThreadRunsItsOwnLoop) {
  BackgroundLoop bg;
  auto server = bg.Call([](EventLoop* loop) {
    return HttpServer::Start(loop, HttpServer::Options(), [](std::shared_ptr<HttpExchange> ex) {
      ex->Respond(200, "pong", "text/plain");
    });
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url = (*server)->Url("/ping");

  EventLoop loop;  // the caller's own loop, as collection and evaluation run theirs
  HttpClient http(&loop);
  HttpRequest request;
  request.url = url;
  auto reply = RunTask(loop, http.Send(std::move(request)));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "pong");
  bg.Call([&](EventLoop*) { server->reset(); });
}

}  // namespace
}  // namespace tracemill::net
