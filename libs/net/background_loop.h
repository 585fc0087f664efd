// An EventLoop on a thread of its own, for servers that must keep answering while the
// calling thread blocks (the demo runs its teacher and its student server this way while
// collection and evaluation run their own loops).
//
//   BackgroundLoop bg;
//   auto server = bg.Call([&](EventLoop* loop) { return HttpServer::Start(loop, ...); });
//   ...                                     // the server answers on bg's thread
//   bg.Call([&](EventLoop*) { server->reset(); return 0; });  // destroyed on its thread
//
// The destructor stops the loop and joins the thread; objects living on the loop must be
// destroyed (through Call) before that.
#ifndef TRACEMILL_LIBS_NET_BACKGROUND_LOOP_H_
#define TRACEMILL_LIBS_NET_BACKGROUND_LOOP_H_

#include <functional>
#include <future>
#include <thread>
#include <type_traits>

#include "libs/net/event_loop.h"

namespace tracemill::net {

class BackgroundLoop {
 public:
  BackgroundLoop();
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Runs fn(loop) on the loop's thread and returns its result, blocking until then.
  template <typename Fn>
  auto Call(Fn fn) -> std::invoke_result_t<Fn, EventLoop*> {
    using R = std::invoke_result_t<Fn, EventLoop*>;
    std::promise<R> promise;
    std::future<R> result = promise.get_future();
    loop_.Post([&] {
      if constexpr (std::is_void_v<R>) {
        fn(&loop_);
        promise.set_value();
      } else {
        promise.set_value(fn(&loop_));
      }
    });
    return result.get();
  }

 private:
  EventLoop loop_;
  std::thread thread_;
};

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_BACKGROUND_LOOP_H_
