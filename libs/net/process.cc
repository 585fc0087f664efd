#include "libs/net/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "libs/base/str_cat.h"

extern char** environ;

namespace tracemill::net {

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return base::StrCat("exited with ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return base::StrCat("killed by signal ", WTERMSIG(status));
  return base::StrCat("ended with status ", status);
}

absl::StatusOr<std::unique_ptr<Process>> Process::Spawn(const ProcessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("no command to run");
  // Writing to a child that has exited must be an error (EPIPE), not a fatal signal.
  static const bool sigpipe_ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    return absl::InternalError(base::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);

  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return absl::NotFoundError(
        base::StrCat("cannot run \"", options.argv[0], "\": ", std::strerror(rc),
                     options.cwd.empty() ? "" : base::StrCat(" (in ", options.cwd, ")")));
  }
  auto p = std::unique_ptr<Process>(new Process());
  p->pid_ = pid;
  p->in_ = in[1];
  p->out_ = out[0];
  p->err_ = err[0];
  for (int fd : {p->in_, p->out_, p->err_}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return p;
}

Process::~Process() {
  if (!TryWait()) {
    kill(-pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  for (int fd : {in_, out_, err_}) {
    if (fd >= 0) close(fd);
  }
}

void Process::CloseStdin() {
  if (in_ >= 0) close(in_);
  in_ = -1;
}

std::optional<int> Process::TryWait() {
  if (status_) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  return status_;
}

Task<int> Process::Terminate(EventLoop& loop, std::chrono::milliseconds grace) {
  CloseStdin();
  for (int stage = 0; stage < 3; ++stage) {
    if (stage == 1) kill(-pid_, SIGTERM);
    if (stage == 2) kill(-pid_, SIGKILL);
    const auto deadline = std::chrono::steady_clock::now() + (stage == 2 ? grace * 4 : grace);
    while (!TryWait() && std::chrono::steady_clock::now() < deadline) {
      co_await loop.Sleep(std::chrono::milliseconds(10));
    }
    if (status_) co_return *status_;
  }
  co_return status_.value_or(-1);
}

}  // namespace tracemill::net
