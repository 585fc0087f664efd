// Server-sent events (the WHATWG event-stream format), parsed incrementally: bytes may
// be split anywhere, lines end in \n, \r\n or \r, and events end at a blank line. Used
// for OpenAI streaming replies and MCP's Streamable HTTP transport.
//
//   SseParser parser;
//   std::vector<SseEvent> events;
//   parser.Feed(chunk, &events);   // appends the events this chunk completes
#ifndef TRACEMILL_LIBS_NET_SSE_H_
#define TRACEMILL_LIBS_NET_SSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill::net {

struct SseEvent {
  std::string event = "message";  // the `event:` field, or "message"
  std::string data;               // `data:` lines joined with \n
  std::string id;                 // the last event id in force when it was dispatched
};

class SseParser {
 public:
  void Feed(std::string_view bytes, std::vector<SseEvent>* out);
  // The last `id:` seen (for Last-Event-ID on reconnection).
  const std::string& last_event_id() const { return last_id_; }
  // The last valid `retry:` (milliseconds), if any.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }

 private:
  void FeedLines(std::string_view bytes, std::vector<SseEvent>* out);
  void Line(std::string_view line, std::vector<SseEvent>* out);

  std::string head_;  // the first bytes, until they are known not to be a partial BOM
  std::string line_;
  bool after_cr_ = false;  // the previous byte was \r (a following \n belongs to it)
  bool started_ = false;   // past a leading byte-order mark
  std::string event_, data_, last_id_;
  bool has_data_ = false;
  std::optional<int64_t> retry_ms_;
};

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_SSE_H_
