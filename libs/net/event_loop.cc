#include "libs/net/event_loop.h"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <vector>

namespace tracemill::net {
namespace {

using Clock = std::chrono::steady_clock;

struct GlobalCurl {
  GlobalCurl() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

struct EventLoop::Impl {
  CURLM* multi = nullptr;
  std::mutex posted_mu;
  std::deque<std::function<void()>> posted;
  bool stop = false;

  struct Timer {
    Clock::time_point when;
    TimerId id;
    bool operator>(const Timer& o) const { return when != o.when ? when > o.when : id > o.id; }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers;
  std::unordered_map<TimerId, std::function<void()>> timer_fns;  // absent: cancelled
  TimerId next_timer = 1;

  struct Watch {
    int fd;
    int events;
    std::function<void(int)> fn;
  };
  std::map<WatchId, Watch> watches;
  WatchId next_watch = 1;

  std::unordered_map<CURL*, std::function<void(int)>> transfers;

  void RunPosted() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> lock(posted_mu);
      batch.swap(posted);
    }
    for (auto& fn : batch) fn();
  }

  void FireTimers() {
    const Clock::time_point now = Clock::now();
    while (!timers.empty() && timers.top().when <= now) {
      const TimerId id = timers.top().id;
      timers.pop();
      auto it = timer_fns.find(id);
      if (it == timer_fns.end()) continue;
      std::function<void()> fn = std::move(it->second);
      timer_fns.erase(it);
      fn();
    }
  }

  int TimeoutMs() {
    {
      std::lock_guard<std::mutex> lock(posted_mu);
      if (!posted.empty()) return 0;
    }
    while (!timers.empty() && timer_fns.count(timers.top().id) == 0) timers.pop();
    if (timers.empty()) return 1000;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        timers.top().when - Clock::now());
    return static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, 1000));
  }

  // Waits for something to happen (at most until the next timer), then runs everything
  // that is ready, so that RunUntil's check follows the callbacks immediately.
  void Turn() {
    std::vector<curl_waitfd> fds;
    std::vector<WatchId> ids;
    fds.reserve(watches.size());
    for (const auto& [id, w] : watches) {
      curl_waitfd f{};
      f.fd = w.fd;
      f.events = static_cast<short>(((w.events & kReadable) ? CURL_WAIT_POLLIN : 0) |
                                    ((w.events & kWritable) ? CURL_WAIT_POLLOUT : 0));
      fds.push_back(f);
      ids.push_back(id);
    }
    int ready = 0;
    curl_multi_poll(multi, fds.data(), static_cast<unsigned>(fds.size()), TimeoutMs(), &ready);
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const int code = static_cast<int>(msg->data.result);
      curl_multi_remove_handle(multi, easy);
      auto it = transfers.find(easy);
      if (it == transfers.end()) continue;
      std::function<void(int)> done = std::move(it->second);
      transfers.erase(it);
      done(code);
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto it = watches.find(ids[i]);  // an earlier callback may have removed it
      if (it == watches.end()) continue;
      int revents = 0;
      if (fds[i].revents & CURL_WAIT_POLLIN) revents |= kReadable;
      if (fds[i].revents & CURL_WAIT_POLLOUT) revents |= kWritable;
      if (fds[i].revents & ~(CURL_WAIT_POLLIN | CURL_WAIT_POLLOUT | CURL_WAIT_POLLPRI)) {
        revents |= kError;
      }
      std::function<void(int)> fn = it->second.fn;  // the callback may Unwatch itself
      fn(revents);
    }
    RunPosted();
    FireTimers();
  }
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  static GlobalCurl global;
  impl_->multi = curl_multi_init();
}

EventLoop::~EventLoop() {
  for (auto& [easy, done] : impl_->transfers) curl_multi_remove_handle(impl_->multi, easy);
  curl_multi_cleanup(impl_->multi);
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(impl_->posted_mu);
    impl_->posted.push_back(std::move(fn));
  }
  curl_multi_wakeup(impl_->multi);
}

EventLoop::TimerId EventLoop::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  const TimerId id = impl_->next_timer++;
  impl_->timers.push({Clock::now() + delay, id});
  impl_->timer_fns.emplace(id, std::move(fn));
  return id;
}

void EventLoop::Cancel(TimerId id) { impl_->timer_fns.erase(id); }

AwaitCallback<bool> EventLoop::Sleep(std::chrono::milliseconds delay) {
  return AwaitCallback<bool>([this, delay](std::function<void(bool)> resume) {
    After(delay, [resume = std::move(resume)] { resume(true); });
  });
}

EventLoop::WatchId EventLoop::Watch(int fd, int events, std::function<void(int)> fn) {
  const WatchId id = impl_->next_watch++;
  impl_->watches.emplace(id, Impl::Watch{fd, events, std::move(fn)});
  return id;
}

void EventLoop::Unwatch(WatchId id) { impl_->watches.erase(id); }

void EventLoop::Run() {
  RunUntil([] { return false; });
}

void EventLoop::RunUntil(const std::function<bool()>& done) {
  impl_->stop = false;
  while (!impl_->stop && !done()) impl_->Turn();
}

void EventLoop::Stop() {
  impl_->stop = true;
  curl_multi_wakeup(impl_->multi);
}

void EventLoop::AddTransfer(void* easy, std::function<void(int)> done) {
  CURL* e = static_cast<CURL*>(easy);
  impl_->transfers[e] = std::move(done);
  curl_multi_add_handle(impl_->multi, e);
}

void EventLoop::RemoveTransfer(void* easy) {
  CURL* e = static_cast<CURL*>(easy);
  if (impl_->transfers.erase(e) > 0) curl_multi_remove_handle(impl_->multi, e);
}

}  // namespace tracemill::net
