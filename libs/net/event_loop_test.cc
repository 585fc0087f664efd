#include "libs/net/event_loop.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/net/http_client.h"
#include "libs/net/http_server.h"
#include "libs/net/task.h"
#include "libs/net/test_http_server.h"

namespace tracemill::net {
namespace {

using std::chrono_literals::operator""ms;

Task<int> Add(int a, int b) { co_return a + b; }

Task<int> Chain(int depth) {
  int sum = 0;
  // Long chains of awaits (symmetric transfer; optimised builds use no stack for them).
  for (int i = 0; i < depth; ++i) sum += co_await Add(i, 1);
  co_return sum;
}

TEST(TaskTest, AwaitsChainAndReturnValues) {
  EventLoop loop;
  EXPECT_EQ(RunTask(loop, Chain(10000)), 10000 + 9999 * 10000 / 2);
}

TEST(TaskTest, TasksStartOnlyWhenAwaitedOrSpawned) {
  bool ran = false;
  auto make = [&]() -> Task<void> {
    ran = true;
    co_return;
  };
  {
    Task<void> t = make();
    EXPECT_FALSE(ran);
  }  // destroyed unstarted: no leak, no run
  EXPECT_FALSE(ran);
  Spawn(make());
  EXPECT_TRUE(ran);
}

using Clock = std::chrono::steady_clock;

// Sleeps `ms` and returns how long it really slept.
Task<Clock::duration> SleepAndMeasure(EventLoop& loop, int ms) {
  const auto start = Clock::now();
  co_await loop.Sleep(std::chrono::milliseconds(ms));
  co_return Clock::now() - start;
}

TEST(EventLoopTest, TimersFireInOrderAndCancelledOnesDoNot) {
  EventLoop loop;
  std::vector<int> order;
  loop.After(30ms, [&] { order.push_back(3); });
  const auto cancelled = loop.After(10ms, [&] { order.push_back(99); });
  loop.After(20ms, [&] { order.push_back(2); });
  loop.After(0ms, [&] { order.push_back(1); });
  loop.Cancel(cancelled);
  loop.RunUntil([&] { return order.size() == 3; });
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoopTest, ManySleepingCoroutinesOnOneThread) {
  EventLoop loop;
  int done = 0, early = 0;
  for (int i = 0; i < 500; ++i) {
    const int ms = (i * 7) % 50;
    Spawn(SleepAndMeasure(loop, ms),
          std::function<void(Clock::duration)>([&, ms](Clock::duration slept) {
            ++done;
            early += slept < std::chrono::milliseconds(ms);
          }));
  }
  loop.RunUntil([&] { return done == 500; });
  EXPECT_EQ(done, 500);
  EXPECT_EQ(early, 0);  // none woke before its time
}

TEST(EventLoopTest, PostFromAnotherThreadWakesTheLoop) {
  EventLoop loop;
  bool got = false;
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    loop.Post([&] { got = true; });
  });
  loop.RunUntil([&] { return got; });
  other.join();
  EXPECT_TRUE(got);
}

TEST(EventLoopTest, WatchesPipesUntilUnwatched) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK), 0);
  std::string got;
  bool closed = false;
  EventLoop::WatchId id = loop.Watch(fds[0], EventLoop::kReadable, [&](int revents) {
    char buf[64];
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    if (n == 0) {
      closed = true;
      loop.Unwatch(id);
    }
  });
  std::thread writer([&] {
    for (const char* part : {"hello ", "from ", "a pipe"}) {
      std::this_thread::sleep_for(5ms);
      ASSERT_GT(write(fds[1], part, strlen(part)), 0);
    }
    close(fds[1]);
  });
  loop.RunUntil([&] { return closed; });
  writer.join();
  close(fds[0]);
  EXPECT_EQ(got, "hello from a pipe");
}

TEST(EventLoopTest, StopEndsRun) {
  EventLoop loop;
  bool late = false;
  loop.After(10ms, [&] { loop.Stop(); });
  loop.After(std::chrono::milliseconds(60000), [&] { late = true; });
  loop.Run();
  EXPECT_FALSE(late);  // Run returned at Stop, not when it ran out of work
}

TEST(EventLoopTest, ManyTransfersToAServerOnTheSameLoop) {
  EventLoop loop;
  constexpr int kRequests = 200;
  int in_flight = 0, most = 0;
  auto server = HttpServer::Start(&loop, {}, [&](std::shared_ptr<HttpExchange> ex) {
    most = std::max(most, ++in_flight);
    // Answered later, so that every request is in flight at once.
    loop.After(20ms, [&, ex] {
      --in_flight;
      ex->Respond(200, ex->request().path + " " + ex->request().body, "text/plain");
    });
  });
  ASSERT_TRUE(server.ok()) << server.status();
  HttpClient http(&loop);
  int done = 0, ok = 0;
  std::set<int> answered;
  for (int i = 0; i < kRequests; ++i) {
    Spawn(http.Send({.method = "POST",
                     .url = (*server)->Url("/r" + std::to_string(i)),
                     .body = std::to_string(i)}),
          std::function<void(absl::StatusOr<HttpResponse>)>([&, i](absl::StatusOr<HttpResponse> r) {
            ++done;
            if (r.ok() && r->status == 200 &&
                r->body == "/r" + std::to_string(i) + " " + std::to_string(i)) {
              ++ok;
              answered.insert(i);
            }
          }));
  }
  loop.RunUntil([&] { return done == kRequests; });
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(answered.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(most, kRequests);
  // The connections are kept and reused: a second round, chained from the first's callbacks.
  done = ok = 0;
  std::function<void(int)> next = [&](int i) {
    if (i >= kRequests) return;
    Spawn(http.Send({.method = "POST", .url = (*server)->Url("/c"), .body = std::to_string(i)}),
          std::function<void(absl::StatusOr<HttpResponse>)>([&, i](absl::StatusOr<HttpResponse> r) {
            ++done;
            ok += r.ok() && r->body == "/c " + std::to_string(i);
            next(i + 10);
          }));
  };
  for (int i = 0; i < 10; ++i) next(i);
  loop.RunUntil([&] { return done == kRequests; });
  EXPECT_EQ(ok, kRequests);
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

TEST(EventLoopTest, ATransferRemovedBeforeItEndsNeverCallsDone) {
  EventLoop loop;
  std::atomic<int> started{0};
  TestHttpServer server([&](const TestHttpServer::Request& r, TestHttpServer::Connection& c) {
    ++started;
    loop.Post([] {});  // wakes the loop to see it
    if (r.path == "/slow") std::this_thread::sleep_for(300ms);
    c.Write(TestHttpServer::Response(200, "{}"));
  });
  const std::string slow_url = server.Url("/slow"), fast_url = server.Url("/fast");
  struct Easy {
    CURL* e = curl_easy_init();
    explicit Easy(const std::string& url) {
      curl_easy_setopt(e, CURLOPT_URL, url.c_str());
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Discard);
    }
    ~Easy() { curl_easy_cleanup(e); }
  };
  {
    Easy slow(slow_url);
    bool slow_done = false;
    loop.AddTransfer(slow.e, [&](int) { slow_done = true; });
    loop.RunUntil([&] { return started.load() == 1; });  // the request reached the server
    loop.RemoveTransfer(slow.e);
    // The loop goes on with other transfers, and past the time the first would have ended.
    Easy fast(fast_url);
    int fast_code = -1;
    loop.AddTransfer(fast.e, [&](int code) { fast_code = code; });
    bool waited = false;
    loop.After(500ms, [&] { waited = true; });
    loop.RunUntil([&] { return waited; });
    EXPECT_EQ(fast_code, CURLE_OK);
    EXPECT_FALSE(slow_done);
  }
  // Removed from inside another transfer's callback, and left to the destructor.
  Easy a(fast_url), b(slow_url), c(slow_url), d(slow_url);
  bool a_done = false, b_done = false, c_done = false, d_done = false;
  {
    EventLoop inner;
    inner.AddTransfer(b.e, [&](int) { b_done = true; });
    inner.AddTransfer(c.e, [&](int) { c_done = true; });
    inner.AddTransfer(a.e, [&](int) {
      a_done = true;
      inner.RemoveTransfer(b.e);
    });
    inner.RunUntil([&] { return a_done; });
    bool late = false;
    inner.After(std::chrono::milliseconds(3000), [&] { late = true; });
    inner.RunUntil([&] { return late || c_done; });
    EXPECT_TRUE(c_done);
    inner.AddTransfer(d.e, [&](int) { d_done = true; });
    inner.After(20ms, [&] { inner.Stop(); });
    inner.Run();
  }  // ~EventLoop removes d
  EXPECT_FALSE(b_done);
  EXPECT_FALSE(d_done);
}

TEST(EventLoopTest, ACancelledStreamEndsWhileNothingArrives) {
  TestHttpServer server([](const TestHttpServer::Request&, TestHttpServer::Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    c.Write("data: 1\n\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // then silence
    c.Close();
  });
  EventLoop loop;
  HttpClient http(&loop);
  auto cancel = std::make_shared<bool>(false);
  auto r = RunTask(loop, http.Stream({.url = server.Url("/s"), .cancel = cancel}, nullptr,
                                     [&](std::string_view) { *cancel = true; }));
  // Not the end of the stream (the server closes it later): the cancel was seen while idle.
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << r.status();
}

TEST(EventLoopTest, CallbacksUnwatchOthersAndWatchAgain) {
  EventLoop loop;
  constexpr int kPipes = 20;
  int fds[kPipes][2];
  std::vector<EventLoop::WatchId> ids(kPipes);
  std::vector<int> calls(kPipes, 0);
  for (int i = 0; i < kPipes; ++i) {
    ASSERT_EQ(pipe2(fds[i], O_NONBLOCK), 0);
    ASSERT_EQ(write(fds[i][1], "x", 1), 1);  // all readable at once
  }
  // Each callback removes every watch after it; the first also adds one back.
  for (int i = 0; i < kPipes; ++i) {
    ids[i] = loop.Watch(fds[i][0], EventLoop::kReadable, [&, i](int revents) {
      ++calls[i];
      EXPECT_TRUE(revents & EventLoop::kReadable);
      for (int j = 0; j < kPipes; ++j) {
        if (j != i) loop.Unwatch(ids[j]);
      }
      loop.Unwatch(ids[i]);
      if (calls[i] == 1) {
        ids[i] = loop.Watch(fds[i][0], EventLoop::kReadable, [&, i](int) {
          ++calls[i];
          loop.Unwatch(ids[i]);
        });
      }
    });
  }
  auto total = [&] {
    int sum = 0;
    for (int c : calls) sum += c;
    return sum;
  };
  loop.RunUntil([&] { return total() == 2; });
  bool later = false;
  loop.After(30ms, [&] { later = true; });
  loop.RunUntil([&] { return later; });
  EXPECT_EQ(total(), 2);  // one callback ran, removing the rest; then its new watch, once
  for (auto& p : fds) {
    close(p[0]);
    close(p[1]);
  }
}

}  // namespace
}  // namespace tracemill::net
