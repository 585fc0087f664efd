// EventLoop: one thread drives many concurrent agents — timers, file descriptors (MCP
// servers' pipes) and HTTP transfers (curl's multi interface) — with no thread per
// blocked socket. Everything it calls back runs on the thread inside Run().
//
//   net::EventLoop loop;
//   net::Spawn(agent.Run());            // coroutines suspend on loop operations
//   loop.RunUntil([&] { return finished == total; });
//
// Post() is the only member that other threads may call.
#ifndef TRACEMILL_LIBS_NET_EVENT_LOOP_H_
#define TRACEMILL_LIBS_NET_EVENT_LOOP_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "libs/net/task.h"

namespace tracemill::net {

class EventLoop {
 public:
  using TimerId = uint64_t;
  using WatchId = uint64_t;
  static constexpr int kReadable = 1;
  static constexpr int kWritable = 2;
  static constexpr int kError = 4;  // hang-up or error on the descriptor

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs `fn` on the loop thread, soon. Thread-safe.
  void Post(std::function<void()> fn);

  // Runs `fn` once after `delay`, unless cancelled first.
  TimerId After(std::chrono::milliseconds delay, std::function<void()> fn);
  void Cancel(TimerId id);
  // co_await loop.Sleep(100ms).
  AwaitCallback<bool> Sleep(std::chrono::milliseconds delay);

  // Calls `fn(revents)` whenever `fd` is ready for `events` (kReadable | kWritable), until
  // Unwatch. revents may include kError.
  WatchId Watch(int fd, int events, std::function<void(int revents)> fn);
  void Unwatch(WatchId id);

  // Runs until Stop(), or until `done()` is true (checked after every turn).
  void Run();
  void RunUntil(const std::function<bool()>& done);
  void Stop();

  // Drives a CURL easy handle (given as void* to keep curl.h out of this header);
  // `done(CURLcode)` runs on the loop thread when the transfer ends, after which the
  // handle is no longer the loop's. Used by HttpClient.
  void AddTransfer(void* easy, std::function<void(int curl_code)> done);
  // Aborts a transfer that has not finished; its `done` is not called.
  void RemoveTransfer(void* easy);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `loop` until `task` finishes and returns its result.
template <typename T>
T RunTask(EventLoop& loop, Task<T> task) {
  std::optional<T> out;
  Spawn(std::move(task), std::function<void(T)>([&out](T v) { out.emplace(std::move(v)); }));
  loop.RunUntil([&out] { return out.has_value(); });
  return std::move(*out);
}
inline void RunTask(EventLoop& loop, Task<void> task) {
  bool done = false;
  Spawn(std::move(task), [&done] { done = true; });
  loop.RunUntil([&done] { return done; });
}

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_EVENT_LOOP_H_
