// HTTP/1.1 requests parsed incrementally, as a server reads them: bytes may be split
// anywhere, several requests may arrive in one read (pipelining), and nothing a client
// sends can make it crash, loop or grow without bound. Bodies come with Content-Length or
// chunked transfer coding; limits on the head and the body give 431 and 413.
//
//   HttpRequestParser parser({.max_body = 1 << 20});
//   parser.Feed(bytes);
//   while (parser.Next(&request)) Handle(request);   // complete requests, in order
//   if (parser.failed()) Reply(parser.error_status(), parser.error());
#ifndef TRACEMILL_LIBS_NET_HTTP_REQUEST_PARSER_H_
#define TRACEMILL_LIBS_NET_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::net {

struct ServerRequest {
  std::string method;  // as sent (methods are case-sensitive)
  std::string target;  // the request target, e.g. /v1/models?x=1
  std::string path;    // the target up to '?', percent-decoding left to the handler
  std::string query;   // after '?', without it
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;
  bool keep_alive = true;        // HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive
  bool expects_continue = false;  // "Expect: 100-continue"

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpParserLimits {
  size_t max_head = 64 * 1024;          // request line + headers
  size_t max_body = 64 * 1024 * 1024;   // decoded body
  size_t max_headers = 100;
};

class HttpRequestParser {
 public:
  explicit HttpRequestParser(HttpParserLimits limits = {}) : limits_(limits) {}

  // Adds bytes from the connection. After a failure further bytes are ignored.
  void Feed(std::string_view bytes);
  // Moves the next complete request into *out; false when none is complete yet (or the
  // input failed to parse).
  bool Next(ServerRequest* out);

  // A head was parsed whose body has not all arrived, and it asked for 100-continue: the
  // server should send "100 Continue" once (then call AckContinue).
  bool WantsContinue() const { return state_ != State::kHead && !failed() && pending_.expects_continue && !continued_; }
  void AckContinue() { continued_ = true; }

  bool failed() const { return error_status_ != 0; }
  int error_status() const { return error_status_; }   // 400, 413, 431, 501, 505
  const std::string& error() const { return error_; }  // what and where, for the reply body
  // Bytes received but not yet part of a returned request (for idle/partial checks).
  size_t buffered() const { return buf_.size() - pos_; }
  bool mid_request() const { return state_ != State::kHead || buffered() > 0; }

 private:
  enum class State { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers };
  bool Fail(int status, std::string message);
  bool ParseHead(std::string_view head);
  void Run();

  HttpParserLimits limits_;
  std::string buf_;
  size_t pos_ = 0;   // parsed up to here
  size_t scan_ = 0;  // where the search for the end of the head resumes
  State state_ = State::kHead;
  ServerRequest pending_;
  size_t body_left_ = 0;  // Content-Length bytes, or the current chunk's
  size_t trailer_bytes_ = 0;
  bool continued_ = false;
  std::vector<ServerRequest> ready_;
  size_t next_ready_ = 0;
  int64_t request_index_ = 0;  // for error messages: which request on the connection
  int error_status_ = 0;
  std::string error_;
};

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_HTTP_REQUEST_PARSER_H_
