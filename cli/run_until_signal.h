// Serving commands run their event loop until SIGINT or SIGTERM.
#ifndef TRACEMILL_CLI_RUN_UNTIL_SIGNAL_H_
#define TRACEMILL_CLI_RUN_UNTIL_SIGNAL_H_

#include "libs/net/event_loop.h"

namespace tracemill::cli {

// Runs `loop` until the process gets SIGINT or SIGTERM (poll wakes on the signal).
void RunUntilSignal(net::EventLoop& loop);

}  // namespace tracemill::cli

#endif  // TRACEMILL_CLI_RUN_UNTIL_SIGNAL_H_
