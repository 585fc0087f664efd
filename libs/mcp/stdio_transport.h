// MCP over a child process's stdin/stdout: newline-delimited JSON-RPC. The server's
// stderr is read continuously (so a chatty server never blocks on a full pipe) and its
// last lines are kept for error messages; writes are queued and flushed as the pipe
// accepts them, so a slow reader never blocks the loop.
#ifndef TRACEMILL_LIBS_MCP_STDIO_TRANSPORT_H_
#define TRACEMILL_LIBS_MCP_STDIO_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/mcp/transport.h"
#include "libs/net/event_loop.h"
#include "libs/net/process.h"

namespace tracemill::mcp {

class StdioTransport : public Transport {
 public:
  // Starts the server. `name` labels errors and log lines; `on_stderr` (optional) gets
  // each line the server writes to stderr.
  static absl::StatusOr<std::unique_ptr<StdioTransport>> Start(
      net::EventLoop* loop, const net::ProcessOptions& process, std::string name,
      std::function<void(std::string_view)> on_stderr = {});
  ~StdioTransport() override;

  absl::Status Send(std::string message) override;
  net::Task<void> Close() override;

  // A line longer than this ends the connection (a runaway server).
  static constexpr size_t kMaxLine = 64 << 20;

 private:
  StdioTransport(net::EventLoop* loop, std::unique_ptr<net::Process> process, std::string name);
  void OnReadable();
  void OnStderr();
  void Flush();
  void Fail(const absl::Status& status);
  void FailAfterExit(int tries);

  net::EventLoop* loop_;
  std::unique_ptr<net::Process> process_;
  std::string name_;
  std::function<void(std::string_view)> on_stderr_;
  net::EventLoop::WatchId out_watch_ = 0, err_watch_ = 0, in_watch_ = 0;
  std::string in_buffer_, out_queue_, err_line_, stderr_tail_;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_STDIO_TRANSPORT_H_
