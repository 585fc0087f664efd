#include "libs/net/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/net/task.h"

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

}  // namespace
}  // namespace tracemill::net
