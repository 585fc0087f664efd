// Runs the built `tracemill` binary as a user would, for the integration tests.
#ifndef TRACEMILL_TESTS_RUN_TRACEMILL_H_
#define TRACEMILL_TESTS_RUN_TRACEMILL_H_

#include <sys/wait.h>

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

}  // namespace tracemill

#endif  // TRACEMILL_TESTS_RUN_TRACEMILL_H_
