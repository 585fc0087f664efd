#include "cli/run_until_signal.h"

#include <csignal>

namespace tracemill::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

}  // namespace

void RunUntilSignal(net::EventLoop& loop) {
  g_stop = 0;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  loop.RunUntil([] { return g_stop != 0; });
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace tracemill::cli
