#include "libs/mcp/jsonrpc.h"

#include "libs/base/str_cat.h"

namespace tracemill::mcp {
namespace {

absl::Status Bad(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(base::StrCat(where, ": not a JSON-RPC 2.0 message: ", what));
}

}  // namespace

absl::StatusOr<JsonRpcMessage> ParseJsonRpc(std::string_view text, std::string_view where) {
  auto parsed = base::ParseJson(text, where);
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  if (j.is_array()) return Bad(where, "a batch (MCP sends single messages)");
  if (!j.is_object()) return Bad(where, "not an object");
  auto version = j.find("jsonrpc");
  if (version == j.end() || *version != "2.0") return Bad(where, "\"jsonrpc\" is not \"2.0\"");
  JsonRpcMessage m;
  auto id = j.find("id");
  if (id != j.end()) {
    if (!id->is_number_integer() && !id->is_string() && !id->is_null()) {
      return Bad(where, "\"id\" is neither a number nor a string");
    }
    m.id = *id;
  }
  auto method = j.find("method");
  if (method != j.end()) {
    if (!method->is_string()) return Bad(where, "\"method\" is not a string");
    m.method = method->get<std::string>();
    if (auto p = j.find("params"); p != j.end()) {
      if (!p->is_object() && !p->is_array()) return Bad(where, "\"params\" is neither object nor array");
      m.params = *p;
    }
    m.kind = id != j.end() && !id->is_null() ? JsonRpcMessage::Kind::kRequest
                                              : JsonRpcMessage::Kind::kNotification;
    return m;
  }
  if (id == j.end()) return Bad(where, "neither \"method\" nor \"id\"");
  auto result = j.find("result");
  auto error = j.find("error");
  if ((result != j.end()) == (error != j.end())) {
    return Bad(where, "a response needs exactly one of \"result\" and \"error\"");
  }
  if (result != j.end()) {
    m.kind = JsonRpcMessage::Kind::kResponse;
    m.result = *result;
    return m;
  }
  if (!error->is_object()) return Bad(where, "\"error\" is not an object");
  m.kind = JsonRpcMessage::Kind::kErrorResponse;
  if (auto c = error->find("code"); c != error->end() && c->is_number_integer()) {
    m.error_code = c->get<int>();
  }
  if (auto msg = error->find("message"); msg != error->end() && msg->is_string()) {
    m.error_message = msg->get<std::string>();
  }
  if (auto d = error->find("data"); d != error->end()) m.error_data = *d;
  return m;
}

std::string JsonRpcRequest(const Json& id, std::string_view method, const Json& params) {
  Json j = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) j["params"] = params;
  return base::DumpJson(j);
}

std::string JsonRpcNotification(std::string_view method, const Json& params) {
  Json j = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) j["params"] = params;
  return base::DumpJson(j);
}

std::string JsonRpcResult(const Json& id, const Json& result) {
  return base::DumpJson(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
}

std::string JsonRpcError(const Json& id, int code, std::string_view message) {
  return base::DumpJson(
      Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

}  // namespace tracemill::mcp
