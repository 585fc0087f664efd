#include "libs/net/background_loop.h"

namespace tracemill::net {

BackgroundLoop::BackgroundLoop() : thread_([this] { loop_.Run(); }) {}

BackgroundLoop::~BackgroundLoop() {
  loop_.Post([this] { loop_.Stop(); });
  thread_.join();
}

}  // namespace tracemill::net
