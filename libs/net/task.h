// Task<T>: a lazily started C++20 coroutine that returns T, for code driven by an
// EventLoop (event_loop.h). A Task starts when it is awaited (or given to Spawn) and
// resumes its awaiter when it finishes, by symmetric transfer, so long chains of awaits
// use no stack.
//
//   net::Task<absl::StatusOr<Reply>> Ask(Client& c) {
//     TM_CO_ASSIGN_OR_RETURN(Reply r, co_await c.Send(request));
//     co_return r;
//   }
//   net::Spawn(Ask(client));  // detached: runs until its first suspension, then the loop drives it
//
// Coroutines must not throw: an escaping exception terminates (libraries return Status).
// AwaitCallback turns a callback-style operation into an awaitable.
#ifndef TRACEMILL_LIBS_NET_TASK_H_
#define TRACEMILL_LIBS_NET_TASK_H_

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

namespace tracemill::net {

template <typename T>
class Task;

namespace task_internal {

struct PromiseBase {
  std::coroutine_handle<> continuation;

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct Final {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      std::coroutine_handle<> next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  Final final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { std::terminate(); }
};

}  // namespace task_internal

namespace task_internal {

// What Task<T> and Task<void> share: owning the frame, and being awaited.
template <typename Promise>
class TaskBase {
 public:
  TaskBase(TaskBase&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  TaskBase& operator=(TaskBase&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ~TaskBase() {
    if (handle_) handle_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    handle_.promise().continuation = awaiter;
    return handle_;
  }

 protected:
  explicit TaskBase(std::coroutine_handle<Promise> h) : handle_(h) {}
  std::coroutine_handle<Promise> handle_;
};

template <typename T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object();
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object();
  void return_void() {}
};

}  // namespace task_internal

template <typename T>
class [[nodiscard]] Task : public task_internal::TaskBase<task_internal::Promise<T>> {
 public:
  using promise_type = task_internal::Promise<T>;
  T await_resume() { return std::move(*this->handle_.promise().value); }

 private:
  friend promise_type;
  explicit Task(std::coroutine_handle<promise_type> h)
      : task_internal::TaskBase<promise_type>(h) {}
};

template <>
class [[nodiscard]] Task<void> : public task_internal::TaskBase<task_internal::Promise<void>> {
 public:
  using promise_type = task_internal::Promise<void>;
  void await_resume() {}

 private:
  friend promise_type;
  explicit Task(std::coroutine_handle<promise_type> h) : TaskBase(h) {}
};

namespace task_internal {

template <typename T>
Task<T> Promise<T>::get_return_object() {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}

}  // namespace task_internal

namespace task_internal {

// A self-destroying coroutine that owns a spawned task.
struct Detached {
  struct promise_type {
    Detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

template <typename T>
Detached RunDetached(Task<T> task, std::function<void(T)> done) {
  T value = co_await task;
  if (done) done(std::move(value));
}

inline Detached RunDetachedVoid(Task<void> task, std::function<void()> done) {
  co_await task;
  if (done) done();
}

}  // namespace task_internal

// Starts `task` now (it runs until its first suspension) and lets it finish on its own;
// `done` gets its result.
template <typename T>
void Spawn(Task<T> task, std::function<void(T)> done = {}) {
  task_internal::RunDetached<T>(std::move(task), std::move(done));
}
inline void Spawn(Task<void> task, std::function<void()> done = {}) {
  task_internal::RunDetachedVoid(std::move(task), std::move(done));
}

// AwaitCallback<T> wait([](std::function<void(T)> resume) { StartSomething(resume); });
// T result = co_await wait;   // until `resume` is called (once); `start` may call it at once
// Name the awaiter as here: GCC 12 destroys lambda temporaries inside a co_await
// expression wrongly.
template <typename T>
class AwaitCallback {
 public:
  explicit AwaitCallback(std::function<void(std::function<void(T)>)> start)
      : start_(std::move(start)) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    start_([this, h](T value) {
      value_.emplace(std::move(value));
      h.resume();
    });
  }
  T await_resume() { return std::move(*value_); }

 private:
  std::function<void(std::function<void(T)>)> start_;
  std::optional<T> value_;
};

}  // namespace tracemill::net

// Like TM_ASSIGN_OR_RETURN, for coroutines: `rexpr` is an expression (usually a
// co_await) giving absl::StatusOr<T>; on error it co_returns the status.
#define TM_CO_ASSIGN_OR_RETURN(lhs, rexpr) \
  TM_CO_ASSIGN_OR_RETURN_IMPL_(TM_CO_CONCAT_(tm_co_statusor_, __LINE__), lhs, rexpr)
#define TM_CO_CONCAT_INNER_(a, b) a##b
#define TM_CO_CONCAT_(a, b) TM_CO_CONCAT_INNER_(a, b)
#define TM_CO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) co_return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
#define TM_CO_RETURN_IF_ERROR(expr)           \
  do {                                        \
    ::absl::Status tm_co_status_ = (expr);    \
    if (!tm_co_status_.ok()) co_return tm_co_status_; \
  } while (false)

#endif  // TRACEMILL_LIBS_NET_TASK_H_
