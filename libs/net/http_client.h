// HTTP client on an EventLoop (curl's multi interface underneath): many requests in
// flight on one thread, connections reused, bodies whole or streamed as they arrive.
//
//   net::HttpClient http(&loop);
//   TM_CO_ASSIGN_OR_RETURN(net::HttpResponse r, co_await http.Send(
//       {.method = "POST", .url = url, .headers = {{"Content-Type", "application/json"}},
//        .body = json, .timeout = 60s}));
//
// A transport failure (refused, reset, DNS, TLS) is Unavailable and a timeout
// DeadlineExceeded, both naming the method and URL; any HTTP status is a response, not
// an error. Header values are never logged or put into error messages (API keys).
#ifndef TRACEMILL_LIBS_NET_HTTP_CLIENT_H_
#define TRACEMILL_LIBS_NET_HTTP_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/net/event_loop.h"
#include "libs/net/task.h"

namespace tracemill::net {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // the whole exchange; 0: none
  std::chrono::milliseconds connect_timeout{10000};
  // Set *cancel to true (on the loop thread) to end the exchange within about a second,
  // with a Cancelled status: for long-lived streams.
  std::shared_ptr<bool> cancel;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  // The first header of that name (any case), if present.
  std::optional<std::string> Header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(EventLoop* loop) : loop_(loop) {}

  Task<absl::StatusOr<HttpResponse>> Send(HttpRequest request);

  // As Send, but the body is handed to `on_data` as it arrives instead of being kept;
  // `on_headers` sees the status and headers first. Both run on the loop thread, outside
  // curl, so they may start other requests.
  Task<absl::StatusOr<HttpResponse>> Stream(HttpRequest request,
                                            std::function<void(const HttpResponse&)> on_headers,
                                            std::function<void(std::string_view)> on_data);

 private:
  EventLoop* loop_;
};

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_HTTP_CLIENT_H_
