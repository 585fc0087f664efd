// MCP's Streamable HTTP transport (protocol 2025-03-26 and later): each message is a POST
// to the server's endpoint with `Accept: application/json, text/event-stream`; the reply
// is one JSON message, a server-sent-event stream of messages, or 202 for notifications
// and responses. The server's `Mcp-Session-Id` is sent back on every later request, and
// `MCP-Protocol-Version` once negotiated. A GET stream carries server-initiated messages
// when the server offers one. A stream that ends before the reply it carries is resumed
// with GET and `Last-Event-ID`, after the server's `retry` delay. An HTTP failure of a
// request is delivered as a JSON-RPC error for that request, so the session sees it; a
// 404 for a session means the server forgot it (the client has to initialise again).
#ifndef TRACEMILL_LIBS_MCP_HTTP_TRANSPORT_H_
#define TRACEMILL_LIBS_MCP_HTTP_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libs/mcp/transport.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_client.h"

namespace tracemill::mcp {

class HttpTransport : public Transport {
 public:
  HttpTransport(net::EventLoop* loop, net::HttpClient* http, std::string url,
                std::vector<std::pair<std::string, std::string>> headers, std::string name,
                std::chrono::milliseconds timeout);
  ~HttpTransport() override;

  absl::Status Send(std::string message) override;
  net::Task<void> Close() override;
  void SetProtocolVersion(std::string version) override;

  const std::string& session_id() const { return session_id_; }

 private:
  net::Task<void> Post(std::string message);
  // Reads a GET event stream; `last_event_id` resumes one. Returns when it ends.
  net::Task<int> Listen(std::string last_event_id, std::string* resume_id, int64_t* retry_ms);
  net::Task<void> ListenLoop();
  net::HttpRequest Request(std::string method) const;
  void Deliver(std::string_view data);

  net::EventLoop* loop_;
  net::HttpClient* http_;
  std::string url_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string name_;
  std::chrono::milliseconds timeout_;
  std::string session_id_;
  std::string protocol_version_;
  bool closed_ = false;
  bool listening_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::shared_ptr<bool> stop_listening_ = std::make_shared<bool>(false);
};

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_HTTP_TRANSPORT_H_
