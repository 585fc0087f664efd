#include "libs/mcp/http_transport.h"

#include <algorithm>

#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/mcp/jsonrpc.h"
#include "libs/net/sse.h"

namespace tracemill::mcp {
namespace {

constexpr int kMaxResumes = 5;

bool IsEventStream(const net::HttpResponse& r) {
  return r.Header("content-type").value_or("").find("text/event-stream") != std::string::npos;
}

}  // namespace

HttpTransport::HttpTransport(net::EventLoop* loop, net::HttpClient* http, std::string url,
                             std::vector<std::pair<std::string, std::string>> headers,
                             std::string name, std::chrono::milliseconds timeout)
    : loop_(loop), http_(http), url_(std::move(url)), headers_(std::move(headers)),
      name_(std::move(name)), timeout_(timeout) {}

HttpTransport::~HttpTransport() {
  *alive_ = false;
  *stop_listening_ = true;
}

net::HttpRequest HttpTransport::Request(std::string method) const {
  net::HttpRequest r;
  r.method = std::move(method);
  r.url = url_;
  r.headers = headers_;
  if (!session_id_.empty()) r.headers.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) r.headers.emplace_back("MCP-Protocol-Version", protocol_version_);
  return r;
}

void HttpTransport::Deliver(std::string_view data) {
  if (data.find_first_not_of(" \t\r\n") == std::string_view::npos) return;  // keep-alive
  if (on_message_) on_message_(data);
}

void HttpTransport::SetProtocolVersion(std::string version) {
  protocol_version_ = std::move(version);
  // Now that the session is set up, listen for what the server sends on its own.
  if (!listening_ && !closed_) {
    listening_ = true;
    net::Spawn(ListenLoop());
  }
}

absl::Status HttpTransport::Send(std::string message) {
  if (closed_) return absl::FailedPreconditionError(base::StrCat("MCP server \"", name_, "\" is closed"));
  net::Spawn(Post(std::move(message)));
  return absl::OkStatus();
}

net::Task<void> HttpTransport::Post(std::string message) {
  std::weak_ptr<bool> alive = alive_;
  // The id of a request, so that an HTTP failure can answer it.
  Json id;
  if (auto parsed = ParseJsonRpc(message, "outgoing"); parsed.ok() &&
      parsed->kind == JsonRpcMessage::Kind::kRequest) {
    id = parsed->id;
  }
  net::HttpRequest req = Request("POST");
  const bool had_session = !session_id_.empty();
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/json, text/event-stream");
  req.body = std::move(message);
  req.timeout = timeout_;
  net::SseParser sse;
  std::vector<net::SseEvent> events;
  bool stream = false, answered = false;
  std::string body;
  const std::string want = id.is_null() ? "" : base::DumpJson(id);
  auto note_answer = [&](std::string_view data) {
    if (want.empty() || answered) return;
    auto m = ParseJsonRpc(data, "reply");
    answered = m.ok() && !m->id.is_null() && base::DumpJson(m->id) == want &&
               (m->kind == JsonRpcMessage::Kind::kResponse || m->kind == JsonRpcMessage::Kind::kErrorResponse);
  };
  auto r = co_await http_->Stream(
      std::move(req),
      [&](const net::HttpResponse& h) {
        stream = IsEventStream(h);
        if (auto sid = h.Header("mcp-session-id"); sid && !sid->empty()) session_id_ = *sid;
      },
      [&](std::string_view chunk) {
        if (alive.expired()) return;
        if (!stream) {
          body.append(chunk);
          return;
        }
        events.clear();
        sse.Feed(chunk, &events);
        for (const net::SseEvent& e : events) {
          note_answer(e.data);
          Deliver(e.data);
        }
      });
  if (alive.expired()) co_return;
  auto fail = [&](const std::string& why, int code = -32000) {
    if (!id.is_null()) Deliver(JsonRpcError(id, code, why));
  };
  if (!r.ok()) {
    fail(std::string(r.status().message()));
    co_return;
  }
  if (r->status == 404 && had_session) {
    session_id_.clear();
    fail(base::StrCat("MCP server \"", name_, "\" no longer knows the session (HTTP 404): initialise again"),
         kSessionLost);
    co_return;
  }
  if (r->status == 202 || r->status == 204) co_return;
  if (r->status != 200) {
    fail(base::StrCat("MCP server \"", name_, "\" replied HTTP ", r->status, ": ", body.substr(0, 300)));
    co_return;
  }
  if (!stream) {
    note_answer(body);
    Deliver(body);
  }
  // A stream that ended before its reply: resume it where it broke off.
  for (int attempt = 0; stream && !answered && !want.empty() && attempt < kMaxResumes; ++attempt) {
    if (sse.last_event_id().empty()) break;
    co_await loop_->Sleep(std::chrono::milliseconds(sse.retry_ms().value_or(1000)));
    if (alive.expired() || closed_) co_return;
    net::HttpRequest get = Request("GET");
    get.headers.emplace_back("Accept", "text/event-stream");
    get.headers.emplace_back("Last-Event-ID", sse.last_event_id());
    get.timeout = timeout_;
    // Servers keep this stream open after the answer: end it once the answer is in.
    auto done = std::make_shared<bool>(false);
    get.cancel = done;
    net::SseParser resumed;
    auto g = co_await http_->Stream(std::move(get), nullptr, [&](std::string_view chunk) {
      if (alive.expired()) return;
      events.clear();
      resumed.Feed(chunk, &events);
      for (const net::SseEvent& e : events) {
        note_answer(e.data);
        Deliver(e.data);
      }
      if (answered || closed_) *done = true;
    });
    if (alive.expired()) co_return;
    if (!g.ok() || g->status != 200) break;
    if (!resumed.last_event_id().empty()) sse = resumed;
  }
  if (stream && !answered && !want.empty()) {
    fail(base::StrCat("MCP server \"", name_, "\" ended the reply stream without an answer"));
  }
}

net::Task<int> HttpTransport::Listen(std::string last_event_id, std::string* resume_id,
                                     int64_t* retry_ms) {
  std::weak_ptr<bool> alive = alive_;
  net::HttpRequest get = Request("GET");
  get.headers.emplace_back("Accept", "text/event-stream");
  if (!last_event_id.empty()) get.headers.emplace_back("Last-Event-ID", last_event_id);
  get.cancel = stop_listening_;
  net::SseParser sse;
  std::vector<net::SseEvent> events;
  auto r = co_await http_->Stream(std::move(get), nullptr, [&](std::string_view chunk) {
    if (alive.expired()) return;
    events.clear();
    sse.Feed(chunk, &events);
    for (const net::SseEvent& e : events) Deliver(e.data);
  });
  if (alive.expired()) co_return -1;
  if (!sse.last_event_id().empty()) *resume_id = sse.last_event_id();
  if (sse.retry_ms()) *retry_ms = *sse.retry_ms();
  co_return r.ok() ? r->status : 0;
}

net::Task<void> HttpTransport::ListenLoop() {
  std::weak_ptr<bool> alive = alive_;
  std::string resume_id;
  int64_t retry_ms = 1000;
  for (int failures = 0; failures < 5;) {
    const int status = co_await Listen(resume_id, &resume_id, &retry_ms);
    if (alive.expired() || closed_) co_return;
    if (status == 405 || status == 404 || status == 400) co_return;  // no GET stream offered
    failures = status == 200 ? 0 : failures + 1;
    co_await loop_->Sleep(std::chrono::milliseconds(std::clamp<int64_t>(retry_ms, 10, 60000)));
    if (alive.expired() || closed_) co_return;
  }
}

net::Task<void> HttpTransport::Close() {
  if (closed_) co_return;
  closed_ = true;
  *stop_listening_ = true;
  if (!session_id_.empty()) {
    net::HttpRequest del = Request("DELETE");
    del.timeout = std::chrono::milliseconds(5000);
    (void)co_await http_->Send(std::move(del));  // 405: the server keeps sessions itself
  }
  if (on_closed_) on_closed_(absl::CancelledError(base::StrCat("MCP server \"", name_, "\" was closed")));
}

}  // namespace tracemill::mcp
