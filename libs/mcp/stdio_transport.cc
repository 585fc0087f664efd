#include "libs/mcp/stdio_transport.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libs/base/str_cat.h"

namespace tracemill::mcp {
namespace {

constexpr size_t kTailBytes = 4096;

}  // namespace

absl::StatusOr<std::unique_ptr<StdioTransport>> StdioTransport::Start(
    net::EventLoop* loop, const net::ProcessOptions& options, std::string name,
    std::function<void(std::string_view)> on_stderr) {
  auto process = net::Process::Spawn(options);
  if (!process.ok()) {
    return absl::Status(process.status().code(),
                        base::StrCat("MCP server \"", name, "\": ", process.status().message()));
  }
  auto t = std::unique_ptr<StdioTransport>(new StdioTransport(loop, std::move(*process), std::move(name)));
  t->on_stderr_ = std::move(on_stderr);
  StdioTransport* self = t.get();
  t->out_watch_ = loop->Watch(t->process_->stdout_fd(), net::EventLoop::kReadable,
                              [self](int) { self->OnReadable(); });
  t->err_watch_ = loop->Watch(t->process_->stderr_fd(), net::EventLoop::kReadable,
                              [self](int) { self->OnStderr(); });
  return t;
}

StdioTransport::StdioTransport(net::EventLoop* loop, std::unique_ptr<net::Process> process,
                               std::string name)
    : loop_(loop), process_(std::move(process)), name_(std::move(name)) {}

StdioTransport::~StdioTransport() {
  *alive_ = false;
  for (auto id : {out_watch_, err_watch_, in_watch_}) {
    if (id != 0) loop_->Unwatch(id);
  }
}

void StdioTransport::Fail(const absl::Status& status) {
  if (closed_) return;
  closed_ = true;
  for (auto* id : {&out_watch_, &in_watch_}) {
    if (*id != 0) loop_->Unwatch(*id);
    *id = 0;
  }
  if (on_closed_) on_closed_(status);
}

void StdioTransport::OnReadable() {
  char buf[65536];
  for (;;) {
    const ssize_t n = read(process_->stdout_fd(), buf, sizeof(buf));
    if (n > 0) {
      size_t start = 0;
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] != '\n') continue;
        in_buffer_.append(buf + start, static_cast<size_t>(i) - start);
        start = static_cast<size_t>(i) + 1;
        std::string line;
        line.swap(in_buffer_);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::weak_ptr<bool> alive = alive_;
        if (on_message_) on_message_(line);
        if (alive.expired() || closed_) return;  // the handler closed or destroyed us
      }
      in_buffer_.append(buf + start, static_cast<size_t>(n) - start);
      if (in_buffer_.size() > kMaxLine) {
        return Fail(absl::ResourceExhaustedError(base::StrCat(
            "MCP server \"", name_, "\" sent a line over ", kMaxLine >> 20, " MiB")));
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    // End of output: the server exited or closed stdout. Give it a moment to exit, so
    // the error can say how it ended.
    if (out_watch_ != 0) loop_->Unwatch(out_watch_);
    out_watch_ = 0;
    return FailAfterExit(50);
  }
}

void StdioTransport::FailAfterExit(int tries) {
  OnStderr();  // whatever it said last
  auto status = process_->TryWait();
  if (!status && tries > 0) {
    std::weak_ptr<bool> alive = alive_;
    loop_->After(std::chrono::milliseconds(10), [this, alive, tries] {
      if (!alive.expired()) FailAfterExit(tries - 1);
    });
    return;
  }
  const std::string why = status ? net::DescribeWaitStatus(*status) : "closed its output";
  Fail(absl::UnavailableError(base::StrCat(
      "MCP server \"", name_, "\" ", why,
      stderr_tail_.empty() ? "" : base::StrCat("; its stderr ends: ", stderr_tail_))));
}

void StdioTransport::OnStderr() {
  char buf[16384];
  for (;;) {
    const ssize_t n = read(process_->stderr_fd(), buf, sizeof(buf));
    if (n <= 0) {
      if (n == 0 && err_watch_ != 0) {
        loop_->Unwatch(err_watch_);
        err_watch_ = 0;
      }
      return;
    }
    std::string_view chunk(buf, static_cast<size_t>(n));
    stderr_tail_.append(chunk);
    if (stderr_tail_.size() > kTailBytes) stderr_tail_.erase(0, stderr_tail_.size() - kTailBytes);
    if (!on_stderr_) continue;
    for (char c : chunk) {
      if (c == '\n') {
        on_stderr_(err_line_);
        err_line_.clear();
      } else if (err_line_.size() < 8192) {
        err_line_.push_back(c);
      }
    }
  }
}

absl::Status StdioTransport::Send(std::string message) {
  if (closed_ || process_->stdin_fd() < 0) {
    return absl::FailedPreconditionError(base::StrCat("MCP server \"", name_, "\" is closed"));
  }
  out_queue_ += message;
  out_queue_ += '\n';
  Flush();
  return absl::OkStatus();
}

void StdioTransport::Flush() {
  while (!out_queue_.empty()) {
    const ssize_t n = write(process_->stdin_fd(), out_queue_.data(), out_queue_.size());
    if (n > 0) {
      out_queue_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (in_watch_ == 0) {
        in_watch_ = loop_->Watch(process_->stdin_fd(), net::EventLoop::kWritable,
                                 [this](int) { Flush(); });
      }
      return;
    }
    out_queue_.clear();
    return Fail(absl::UnavailableError(base::StrCat("MCP server \"", name_,
                                                    "\" stopped reading its input: ",
                                                    std::strerror(errno))));
  }
  if (in_watch_ != 0) {
    loop_->Unwatch(in_watch_);
    in_watch_ = 0;
  }
}

net::Task<void> StdioTransport::Close() {
  if (in_watch_ != 0) {
    loop_->Unwatch(in_watch_);
    in_watch_ = 0;
  }
  co_await process_->Terminate(*loop_, std::chrono::milliseconds(2000));
  Fail(absl::CancelledError(base::StrCat("MCP server \"", name_, "\" was closed")));
}

}  // namespace tracemill::mcp
