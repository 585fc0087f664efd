// Runs the built `tracemill` binary as a user would, for the integration tests.
#ifndef TRACEMILL_TESTS_RUN_TRACEMILL_H_
#define TRACEMILL_TESTS_RUN_TRACEMILL_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace tracemill {

struct Result {
  int code;
  std::string output;  // stdout and stderr together
};

inline Result RunTracemill(const std::string& args) {
  const std::string cmd = std::string(TRACEMILL_BINARY_DIR) + "/cli/tracemill " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `tracemill <args>` in the background (a server), its stderr left to the test's own.
// FirstLine() reads what it prints first on stdout; Stop() sends SIGTERM and returns the
// exit code.
class BackgroundTracemill {
 public:
  explicit BackgroundTracemill(const std::string& args) {
    const std::string cmd = std::string("exec ") + TRACEMILL_BINARY_DIR + "/cli/tracemill " + args;
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
  }
  ~BackgroundTracemill() { Stop(); }

  std::string FirstLine() {
    std::string line;
    if (out_ == nullptr) return line;
    for (int c = fgetc(out_); c != EOF && c != '\n'; c = fgetc(out_)) line += static_cast<char>(c);
    return line;
  }

  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_ != nullptr) fclose(out_);
    out_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

}  // namespace tracemill

#endif  // TRACEMILL_TESTS_RUN_TRACEMILL_H_
