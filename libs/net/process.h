// A child process with pipes on its stdin, stdout and stderr (non-blocking, for an
// EventLoop), in its own process group so that stopping it also stops what it started
// (npx → node → chromium).
//
//   TM_ASSIGN_OR_RETURN(auto p, Process::Spawn({.argv = {"npx", "server"}, .cwd = dir}));
//   loop.Watch(p->stdout_fd(), EventLoop::kReadable, ...);
//   co_await p->Terminate(loop, 2s);   // close stdin, SIGTERM, SIGKILL, reap
//
// The first Spawn sets SIGPIPE to be ignored process-wide, so that writing to a child that
// has died is an EPIPE error rather than the end of the program.
#ifndef TRACEMILL_LIBS_NET_PROCESS_H_
#define TRACEMILL_LIBS_NET_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/net/event_loop.h"
#include "libs/net/task.h"

namespace tracemill::net {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;  // set on top of ours
  std::string cwd;  // "" = ours
};

class Process {
 public:
  // NotFound if the program cannot be run; the message names it.
  static absl::StatusOr<std::unique_ptr<Process>> Spawn(const ProcessOptions& options);
  // Kills the process group if it still runs, and reaps it.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return in_; }
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  void CloseStdin();

  // The exit status (as waitpid reports it) once the process has ended; never blocks.
  std::optional<int> TryWait();
  // Closes stdin and waits up to `grace` for the process to exit, then SIGTERM to its
  // group and `grace` again, then SIGKILL. Returns the wait status.
  Task<int> Terminate(EventLoop& loop, std::chrono::milliseconds grace);

 private:
  Process() = default;
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::optional<int> status_;
};

// "exited with 1", "killed by signal 9".
std::string DescribeWaitStatus(int status);

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_PROCESS_H_
