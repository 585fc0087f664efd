// The HTTP request parser on any bytes, with small limits so they are reached: fed whole
// and fed in pieces whose sizes come from the input, it must give the same requests and
// the same error, and never crash or hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "libs/net/http_request_parser.h"

namespace {

using tracemill::net::HttpRequestParser;
using tracemill::net::ServerRequest;

void Drain(HttpRequestParser& p, std::vector<ServerRequest>* out) {
  ServerRequest r;
  while (p.Next(&r)) out->push_back(std::move(r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const tracemill::net::HttpParserLimits limits{.max_head = 512, .max_body = 4096, .max_headers = 16};
  HttpRequestParser whole(limits), pieces(limits);
  std::vector<ServerRequest> a, b;
  whole.Feed(text);
  Drain(whole, &a);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t n = 1 + static_cast<unsigned char>(text[pos]) % 13;
    const size_t take = n < text.size() - pos ? n : text.size() - pos;
    pieces.Feed(text.substr(pos, take));
    Drain(pieces, &b);
    pos += take;
  }
  if (a.size() != b.size() || whole.error_status() != pieces.error_status() || whole.error() != pieces.error()) {
    std::abort();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].method != b[i].method || a[i].target != b[i].target || a[i].body != b[i].body ||
        a[i].headers != b[i].headers || a[i].keep_alive != b[i].keep_alive) {
      std::abort();
    }
    if (a[i].body.size() > limits.max_body) std::abort();
  }
  return 0;
}
