#include "libs/net/event_loop.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tracemill::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono_literals::operator""ms;

struct GlobalCurl {
  GlobalCurl() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// curl is driven through its socket API, which only runs a transfer when its socket is
// ready or its timer is due. HttpRequest::cancel is checked from curl's progress callback,
// so every transfer is also run this often, idle or not.
constexpr auto kRunAllEvery = 1000ms;
constexpr auto kMaxWait = 1000ms;

int WaitMs(Clock::time_point until, Clock::time_point now) {
  if (until <= now) return 0;
  return static_cast<int>(
      std::min(std::chrono::ceil<std::chrono::milliseconds>(until - now), kMaxWait).count());
}

}  // namespace

struct EventLoop::Impl {
  CURLM* multi = nullptr;
  int wake_fd = -1;  // an eventfd: Post and Stop end the loop's poll
  std::atomic<bool> wake_pending{false};
  std::atomic<std::thread::id> loop_thread;  // the one in RunUntil, or that was last
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

  // What polls[i] is: a watch (by id), or one of curl's sockets (watch == 0). polls[0]
  // is wake_fd. Kept up to date as watches and curl's sockets come and go.
  std::vector<pollfd> polls;
  std::vector<WatchId> poll_owner;

  struct Watch {
    size_t slot;  // in polls
    // Shared so that a callback that unwatches itself keeps running.
    std::shared_ptr<std::function<void(int)>> fn;
  };
  std::unordered_map<WatchId, Watch> watches;
  WatchId next_watch = 1;
  std::unordered_map<curl_socket_t, size_t> curl_sockets;  // socket → slot in polls

  std::unordered_map<CURL*, std::function<void(int)>> transfers;
  bool curl_timer_set = false;
  Clock::time_point curl_deadline;
  Clock::time_point last_run_all = Clock::now();

  struct Ready {
    WatchId watch;  // 0: a socket of curl's
    int fd;
    short revents;
  };
  std::vector<Ready> spare_ready;  // reused by Turn; a nested Turn makes its own

  size_t AddSlot(int fd, short events, WatchId owner) {
    polls.push_back(pollfd{fd, events, 0});
    poll_owner.push_back(owner);
    return polls.size() - 1;
  }

  // Moves the last slot into `slot`, and tells its owner.
  void RemoveSlot(size_t slot) {
    const size_t last = polls.size() - 1;
    if (slot != last) {
      polls[slot] = polls[last];
      poll_owner[slot] = poll_owner[last];
      if (poll_owner[slot] == 0) {
        curl_sockets[polls[slot].fd] = slot;
      } else {
        watches.find(poll_owner[slot])->second.slot = slot;
      }
    }
    polls.pop_back();
    poll_owner.pop_back();
  }

  // curl's socket callback: which of its sockets to wait on, for what. curl calls it from
  // inside curl_multi_socket_action, add_handle and remove_handle.
  static int OnCurlSocket(CURL*, curl_socket_t s, int what, void* user, void*) {
    auto* impl = static_cast<Impl*>(user);
    auto it = impl->curl_sockets.find(s);
    if (what == CURL_POLL_REMOVE) {
      if (it != impl->curl_sockets.end()) {
        const size_t slot = it->second;
        impl->curl_sockets.erase(it);
        impl->RemoveSlot(slot);
      }
      return 0;
    }
    const short events = static_cast<short>(((what & CURL_POLL_IN) ? POLLIN : 0) |
                                            ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    if (it == impl->curl_sockets.end()) {
      impl->curl_sockets.emplace(s, impl->AddSlot(s, events, 0));
    } else {
      impl->polls[it->second].events = events;
    }
    return 0;
  }

  // curl's timer callback: when to call it with CURL_SOCKET_TIMEOUT (-1: no deadline).
  static int OnCurlTimer(CURLM*, long timeout_ms, void* user) {
    auto* impl = static_cast<Impl*>(user);
    impl->curl_timer_set = timeout_ms >= 0;
    if (timeout_ms >= 0) impl->curl_deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  // The loop's own thread is not in poll, and checks `posted` before it polls again.
  void Wake() {
    if (std::this_thread::get_id() == loop_thread.load(std::memory_order_relaxed)) return;
    if (wake_pending.exchange(true)) return;  // a wake-up is on its way already
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd, &one, sizeof(one));
  }

  void RunPosted() {
    std::deque<std::function<void()>> batch;
    wake_pending.store(false);  // before taking the batch: a later Post wakes the next poll
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
    const Clock::time_point now = Clock::now();
    int ms = static_cast<int>(kMaxWait.count());
    while (!timers.empty() && timer_fns.count(timers.top().id) == 0) timers.pop();
    if (!timers.empty()) ms = std::min(ms, WaitMs(timers.top().when, now));
    if (curl_timer_set) ms = std::min(ms, WaitMs(curl_deadline, now));
    if (!transfers.empty()) ms = std::min(ms, WaitMs(last_run_all + kRunAllEvery, now));
    return ms;
  }

  // Tells curl which of its sockets are ready and whether its deadline has passed, then
  // ends the transfers that are done (their callbacks may add and remove transfers).
  void RunCurl(const std::vector<Ready>& ready) {
    int running = 0;
    for (const Ready& r : ready) {
      // Skip a socket that an earlier call in this turn has closed.
      if (r.watch != 0 || curl_sockets.count(r.fd) == 0) continue;
      int mask = 0;
      if (r.revents & POLLIN) mask |= CURL_CSELECT_IN;
      if (r.revents & POLLOUT) mask |= CURL_CSELECT_OUT;
      if (r.revents & (POLLERR | POLLHUP | POLLNVAL)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi, r.fd, mask, &running);
    }
    const Clock::time_point now = Clock::now();
    if (curl_timer_set && curl_deadline <= now) {
      curl_timer_set = false;  // curl may set a new deadline from inside the call
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    if (transfers.empty()) {
      last_run_all = now;
    } else if (now - last_run_all >= kRunAllEvery) {
      last_run_all = now;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      curl_multi_socket_all(multi, &running);  // runs every transfer, then updates its sockets
#pragma GCC diagnostic pop
    }
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
  }

  // Waits for something to happen (at most until the next timer or curl deadline), then
  // runs everything that is ready, so that RunUntil's check follows the callbacks
  // immediately. Callbacks add and remove slots, so what poll found is copied out first.
  void Turn() {
    std::vector<Ready> ready = std::move(spare_ready);
    ready.clear();
    const int n = poll(polls.data(), polls.size(), TimeoutMs());
    if (n > 0) {
      if (polls[0].revents != 0) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t r = read(wake_fd, &count, sizeof(count));
      }
      for (size_t i = 1; i < polls.size() && ready.size() < static_cast<size_t>(n); ++i) {
        if (polls[i].revents != 0) ready.push_back({poll_owner[i], polls[i].fd, polls[i].revents});
      }
    }
    RunCurl(ready);
    for (const Ready& r : ready) {
      if (r.watch == 0) continue;
      auto it = watches.find(r.watch);  // an earlier callback may have removed it
      if (it == watches.end()) continue;
      int revents = 0;
      if (r.revents & POLLIN) revents |= kReadable;
      if (r.revents & POLLOUT) revents |= kWritable;
      if (r.revents & (POLLERR | POLLHUP | POLLNVAL)) revents |= kError;
      std::shared_ptr<std::function<void(int)>> fn = it->second.fn;
      (*fn)(revents);
    }
    spare_ready = std::move(ready);
    RunPosted();
    FireTimers();
  }
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  static GlobalCurl global;
  Impl& impl = *impl_;
  impl.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl.AddSlot(impl.wake_fd, POLLIN, 0);
  impl.multi = curl_multi_init();
  curl_multi_setopt(impl.multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnCurlSocket);
  curl_multi_setopt(impl.multi, CURLMOPT_SOCKETDATA, &impl);
  curl_multi_setopt(impl.multi, CURLMOPT_TIMERFUNCTION, &Impl::OnCurlTimer);
  curl_multi_setopt(impl.multi, CURLMOPT_TIMERDATA, &impl);
}

EventLoop::~EventLoop() {
  for (auto& [easy, done] : impl_->transfers) curl_multi_remove_handle(impl_->multi, easy);
  curl_multi_cleanup(impl_->multi);
  close(impl_->wake_fd);
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(impl_->posted_mu);
    impl_->posted.push_back(std::move(fn));
  }
  impl_->Wake();
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
  const short poll_events = static_cast<short>(((events & kReadable) ? POLLIN : 0) |
                                               ((events & kWritable) ? POLLOUT : 0));
  const size_t slot = impl_->AddSlot(fd, poll_events, id);
  impl_->watches.emplace(
      id, Impl::Watch{slot, std::make_shared<std::function<void(int)>>(std::move(fn))});
  return id;
}

void EventLoop::Unwatch(WatchId id) {
  auto it = impl_->watches.find(id);
  if (it == impl_->watches.end()) return;
  const size_t slot = it->second.slot;
  impl_->watches.erase(it);
  impl_->RemoveSlot(slot);
}

void EventLoop::Run() {
  RunUntil([] { return false; });
}

void EventLoop::RunUntil(const std::function<bool()>& done) {
  impl_->stop = false;
  impl_->loop_thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
  while (!impl_->stop && !done()) impl_->Turn();
}

void EventLoop::Stop() {
  impl_->stop = true;
  impl_->Wake();
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
