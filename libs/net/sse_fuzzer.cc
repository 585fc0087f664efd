// The SSE parser on any bytes: fed whole and fed in pieces whose sizes come from the
// input, it must give the same events and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "libs/net/sse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tracemill::net::SseParser whole, pieces;
  std::vector<tracemill::net::SseEvent> a, b;
  whole.Feed(text, &a);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t n = 1 + static_cast<unsigned char>(text[pos]) % 7;
    const size_t take = n < text.size() - pos ? n : text.size() - pos;
    pieces.Feed(text.substr(pos, take), &b);
    pos += take;
  }
  if (a.size() != b.size()) std::abort();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].data != b[i].data || a[i].event != b[i].event || a[i].id != b[i].id) std::abort();
  }
  if (whole.last_event_id() != pieces.last_event_id() || whole.retry_ms() != pieces.retry_ms()) {
    std::abort();
  }
  return 0;
}
