#include "libs/mcp/client.h"

#include <algorithm>

#include "libs/base/str_cat.h"
#include "libs/mcp/jsonrpc.h"

namespace tracemill::mcp {
namespace {

std::string StringOr(const Json& obj, const char* key, std::string fallback = "") {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Base64 text of `n` characters holds about 3n/4 bytes.
std::string Size(const Json& obj, const char* key) {
  const std::string data = StringOr(obj, key);
  return base::StrCat(data.size() * 3 / 4, " bytes");
}

}  // namespace

std::string ToolResultText(const Json& result) {
  std::vector<std::string> parts;
  auto content = result.is_object() ? result.find("content") : Json::const_iterator();
  if (result.is_object() && content != result.end() && content->is_array()) {
    for (const Json& item : *content) {
      const std::string type = StringOr(item, "type");
      if (type == "text") {
        parts.push_back(StringOr(item, "text"));
      } else if (type == "image" || type == "audio") {
        parts.push_back(base::StrCat("[", type, ": ", StringOr(item, "mimeType", "unknown type"),
                                     ", ", Size(item, "data"), "]"));
      } else if (type == "resource") {
        const Json r = item.is_object() && item.contains("resource") ? item["resource"] : Json();
        const std::string uri = StringOr(r, "uri", "?");
        if (r.is_object() && r.contains("text")) {
          parts.push_back(base::StrCat("[resource ", uri, "]\n", StringOr(r, "text")));
        } else {
          parts.push_back(base::StrCat("[resource ", uri, ": ",
                                       StringOr(r, "mimeType", "binary"), ", ", Size(r, "blob"), "]"));
        }
      } else if (type == "resource_link") {
        std::string line = base::StrCat("[resource link ", StringOr(item, "uri", "?"));
        if (auto name = StringOr(item, "name"); !name.empty()) base::StrAppend(&line, " \"", name, "\"");
        if (auto d = StringOr(item, "description"); !d.empty()) base::StrAppend(&line, ": ", d);
        parts.push_back(line + "]");
      } else {
        parts.push_back(base::StrCat("[", type.empty() ? "content" : type, " item: ",
                                     base::DumpJson(item).substr(0, 200), "]"));
      }
    }
  }
  if (parts.empty() && result.is_object() && result.contains("structuredContent")) {
    return base::DumpJson(result["structuredContent"]);
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += "\n\n";
    out += parts[i];
  }
  return out;
}

McpClient::McpClient(net::EventLoop* loop, std::unique_ptr<Transport> transport,
                     ClientOptions options)
    : loop_(loop), transport_(std::move(transport)), options_(std::move(options)) {
  transport_->SetHandlers([this](std::string_view text) { OnMessage(text); },
                          [this](const absl::Status& s) { OnClosed(s); });
}

McpClient::~McpClient() {
  for (auto& [id, p] : pending_) loop_->Cancel(p.timer);
}

void McpClient::OnClosed(const absl::Status& status) {
  closed_reason_ = status.ok() ? absl::UnavailableError("closed") : status;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    loop_->Cancel(p.timer);
    p.resume(absl::Status(closed_reason_.code(),
                          base::StrCat(p.method, ": ", closed_reason_.message())));
  }
}

void McpClient::OnMessage(std::string_view text) {
  auto parsed = ParseJsonRpc(text, base::StrCat("message from MCP server \"", options_.name, "\""));
  if (!parsed.ok()) {
    if (problems_.size() < 100) problems_.push_back(std::string(parsed.status().message()));
    return;
  }
  JsonRpcMessage& m = *parsed;
  switch (m.kind) {
    case JsonRpcMessage::Kind::kRequest: {
      // Server-to-client requests: answer ping and roots; refuse what we do not offer.
      std::string reply;
      if (m.method == "ping") {
        reply = JsonRpcResult(m.id, Json::object());
      } else if (m.method == "roots/list") {
        reply = JsonRpcResult(m.id, {{"roots", Json::array()}});
      } else {
        reply = JsonRpcError(m.id, kMethodNotFound,
                             base::StrCat("tracemill does not offer ", m.method));
      }
      (void)transport_->Send(std::move(reply));
      return;
    }
    case JsonRpcMessage::Kind::kNotification:
      if (m.method == "notifications/tools/list_changed") tools_changed_ = true;
      return;
    case JsonRpcMessage::Kind::kResponse:
    case JsonRpcMessage::Kind::kErrorResponse: {
      if (!m.id.is_number_integer()) {
        if (problems_.size() < 100) problems_.push_back("a response with an id we never sent");
        return;
      }
      auto it = pending_.find(m.id.get<int64_t>());
      if (it == pending_.end()) return;  // late (timed out and cancelled) or unknown
      Pending p = std::move(it->second);
      pending_.erase(it);
      loop_->Cancel(p.timer);
      if (m.kind == JsonRpcMessage::Kind::kResponse) {
        p.resume(std::move(m.result));
      } else {
        const std::string message = base::StrCat("MCP server \"", options_.name, "\": ", p.method, " failed: ",
                                                 m.error_message, " (code ", m.error_code, ")");
        p.resume(m.error_code == kSessionLost ? absl::AbortedError(message) : absl::InternalError(message));
      }
      return;
    }
  }
}

net::Task<absl::StatusOr<Json>> McpClient::Request(const std::string& method, Json params,
                                                   std::chrono::milliseconds timeout) {
  if (method == "initialize") co_return co_await RequestOnce(method, std::move(params), timeout);
  const int generation = session_generation_;
  absl::StatusOr<Json> result = co_await RequestOnce(method, params, timeout);
  if (!absl::IsAborted(result.status()) || closed()) co_return result;
  // The session is gone (HTTP 404). Initialise again — unless another request already
  // has — and send this one once more.
  if (generation == session_generation_) {
    ++reinitialisations_;
    absl::Status init = co_await Initialize();
    if (!init.ok()) {
      co_return absl::Status(init.code(), base::StrCat(result.status().message(), "; initialising again failed: ",
                                                       init.message()));
    }
    tools_changed_ = true;
  }
  co_return co_await RequestOnce(method, std::move(params), timeout);
}

net::Task<absl::StatusOr<Json>> McpClient::RequestOnce(const std::string& method, Json params,
                                                       std::chrono::milliseconds timeout) {
  if (closed()) {
    co_return absl::Status(closed_reason_.code(), base::StrCat(method, ": ", closed_reason_.message()));
  }
  if (timeout.count() <= 0) timeout = options_.request_timeout;
  const int64_t id = next_id_++;
  absl::Status sent = transport_->Send(JsonRpcRequest(id, method, params));
  if (!sent.ok()) co_return sent;
  // A named awaiter: GCC 12 mishandles lambda temporaries with captures inside co_await.
  auto start = [this, id, method, timeout](std::function<void(absl::StatusOr<Json>)> resume) {
    Pending& p = pending_[id];
    p.resume = std::move(resume);
    p.method = method;
    p.timer = loop_->After(timeout, [this, id, method, timeout] {
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      Pending expired = std::move(it->second);
      pending_.erase(it);
      (void)transport_->Send(JsonRpcNotification(
          "notifications/cancelled",
          {{"requestId", id}, {"reason", base::StrCat("timed out after ", timeout.count(), " ms")}}));
      expired.resume(absl::DeadlineExceededError(
          base::StrCat("MCP server \"", options_.name, "\": ", method, " got no answer in ",
                       timeout.count(), " ms (cancelled)")));
    });
  };
  net::AwaitCallback<absl::StatusOr<Json>> answer(std::move(start));
  absl::StatusOr<Json> result = co_await answer;
  co_return result;
}

net::Task<absl::Status> McpClient::Initialize() {
  Json params = {{"protocolVersion", kProtocolVersions[0]},
                 {"capabilities", Json::object()},
                 {"clientInfo", {{"name", options_.client_name}, {"version", options_.client_version}}}};
  TM_CO_ASSIGN_OR_RETURN(Json result, co_await Request("initialize", std::move(params)));
  const std::string version = StringOr(result, "protocolVersion");
  if (std::find_if(std::begin(kProtocolVersions), std::end(kProtocolVersions),
                   [&](const char* v) { return version == v; }) == std::end(kProtocolVersions)) {
    co_return absl::FailedPreconditionError(base::StrCat(
        "MCP server \"", options_.name, "\" speaks protocol version \"", version,
        "\"; tracemill speaks 2025-11-25, 2025-06-18 and 2025-03-26"));
  }
  protocol_version_ = version;
  ++session_generation_;
  transport_->SetProtocolVersion(version);
  if (result.contains("serverInfo")) server_info_ = result["serverInfo"];
  if (result.contains("capabilities")) capabilities_ = result["capabilities"];
  instructions_ = StringOr(result, "instructions");
  co_return transport_->Send(JsonRpcNotification("notifications/initialized", Json()));
}

net::Task<absl::StatusOr<std::vector<McpTool>>> McpClient::ListTools() {
  tools_changed_ = false;
  std::vector<McpTool> tools;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    Json params = Json::object();
    if (!cursor.empty()) params["cursor"] = cursor;
    TM_CO_ASSIGN_OR_RETURN(Json result, co_await Request("tools/list", std::move(params)));
    if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array()) {
      co_return absl::InvalidArgumentError(base::StrCat(
          "MCP server \"", options_.name, "\": tools/list result has no \"tools\" array"));
    }
    for (const Json& t : result["tools"]) {
      McpTool tool;
      tool.name = StringOr(t, "name");
      if (tool.name.empty()) {
        problems_.push_back("tools/list: a tool without a name was skipped");
        continue;
      }
      tool.description = StringOr(t, "description");
      if (t.contains("inputSchema") && t["inputSchema"].is_object()) tool.input_schema = t["inputSchema"];
      tool.raw = t;
      tools.push_back(std::move(tool));
    }
    cursor = StringOr(result, "nextCursor");
    if (cursor.empty()) co_return tools;
  }
  co_return absl::InvalidArgumentError(
      base::StrCat("MCP server \"", options_.name, "\": tools/list did not end after 1000 pages"));
}

net::Task<absl::StatusOr<ToolResult>> McpClient::CallTool(const std::string& name,
                                                          const Json& arguments,
                                                          std::chrono::milliseconds timeout) {
  // (Built outside the co_await: GCC 12 cannot keep an initializer list across one.)
  Json params = {{"name", name}, {"arguments", arguments}};
  TM_CO_ASSIGN_OR_RETURN(Json result, co_await Request("tools/call", std::move(params), timeout));
  ToolResult out;
  out.text = ToolResultText(result);
  out.is_error = result.is_object() && result.contains("isError") && result["isError"] == true;
  out.raw = std::move(result);
  co_return out;
}

net::Task<absl::Status> McpClient::Ping() {
  TM_CO_ASSIGN_OR_RETURN(Json result, co_await Request("ping", Json::object()));
  (void)result;
  co_return absl::OkStatus();
}

net::Task<void> McpClient::Close() { co_await transport_->Close(); }

}  // namespace tracemill::mcp
