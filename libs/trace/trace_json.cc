#include "libs/trace/trace_json.h"

#include "absl/strings/cord.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::trace {
namespace {

// `reason` travels as the status payload kReadReasonPayload (see ReadReason).
absl::Status FieldError(std::string_view where, std::string_view path, std::string_view what,
                        std::string_view reason) {
  absl::Status status = absl::InvalidArgumentError(base::StrCat(where, ": ", path, ": ", what));
  status.SetPayload(kReadReasonPayload,
                    absl::Cord(absl::string_view(reason.data(), reason.size())));
  return status;
}

absl::Status Missing(std::string_view where, std::string_view path) {
  return FieldError(where, path, "missing", "missing_field");
}

absl::Status TypeError(std::string_view where, std::string_view path, std::string_view want,
                       const Json& got) {
  return FieldError(where, path, base::StrCat("expected ", want, ", got ", got.type_name()),
                    "wrong_type");
}

// Reads an optional string field; null and absent both leave `out` unchanged.
absl::Status OptString(const Json& obj, const char* key, std::string_view where,
                       std::string_view path, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return TypeError(where, base::StrCat(path, key), "string", *it);
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status OptInt(const Json& obj, const char* key, std::string_view where, std::string_view path,
                    int64_t* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number_integer()) {
    return TypeError(where, base::StrCat(path, key), "integer", *it);
  }
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status OptDouble(const Json& obj, const char* key, std::string_view where,
                       std::string_view path, double* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number()) return TypeError(where, base::StrCat(path, key), "number", *it);
  *out = it->get<double>();
  return absl::OkStatus();
}

absl::StatusOr<ToolCall> ParseToolCall(const Json& json, std::string_view where,
                                       const std::string& path) {
  if (!json.is_object()) return TypeError(where, path, "object", json);
  ToolCall call;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (key == "id") {
      if (!it->is_null() && !it->is_string()) return TypeError(where, path + ".id", "string", *it);
      if (it->is_string()) call.id = it->get<std::string>();
    } else if (key == "type") {
      if (!it->is_string()) return TypeError(where, path + ".type", "string", *it);
      call.type = it->get<std::string>();
    } else if (key == "function") {
      if (!it->is_object()) return TypeError(where, path + ".function", "object", *it);
      const Json& fn = *it;
      for (auto f = fn.begin(); f != fn.end(); ++f) {
        if (f.key() == "name") {
          if (!f->is_string()) return TypeError(where, path + ".function.name", "string", *f);
          call.name = f->get<std::string>();
        } else if (f.key() == "arguments") {
          if (f->is_string()) {
            call.arguments = f->get<std::string>();
          } else if (f->is_object()) {
            call.arguments = base::DumpJson(*f);
          } else if (f->is_null()) {
            call.arguments.clear();
          } else {
            return TypeError(where, path + ".function.arguments", "string or object", *f);
          }
        } else {
          call.function_extra[f.key()] = *f;
        }
      }
    } else {
      call.extra[key] = *it;
    }
  }
  if (call.name.empty()) return Missing(where, path + ".function.name");
  return call;
}

}  // namespace

absl::StatusOr<Message> ParseMessage(const Json& json, std::string_view where,
                                     std::string_view path_in) {
  std::string path(path_in);
  if (!json.is_object()) return TypeError(where, path, "object", json);
  Message m;
  auto role = json.find("role");
  if (role == json.end()) return Missing(where, path + ".role");
  if (!role->is_string()) return TypeError(where, path + ".role", "string", *role);
  if (!ParseRole(role->get_ref<const std::string&>(), &m.role)) {
    return FieldError(where, path + ".role",
                      base::StrCat("unknown role \"", role->get_ref<const std::string&>(), "\""),
                      "unknown_role");
  }
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (key == "role") continue;
    if (key == "content") {
      if (it->is_string()) {
        m.content = it->get<std::string>();
      } else if (it->is_array()) {
        for (size_t i = 0; i < it->size(); ++i) {
          const Json& part = (*it)[i];
          std::string part_path = base::StrCat(path, ".content[", i, "]");
          if (!part.is_object()) return TypeError(where, part_path, "object", part);
          auto type = part.find("type");
          if (type == part.end()) return Missing(where, part_path + ".type");
          if (!type->is_string()) return TypeError(where, part_path + ".type", "string", *type);
          auto text = part.find("text");
          if (type->get_ref<const std::string&>() == "text" &&
              (text == part.end() || !text->is_string())) {
            return text == part.end() ? Missing(where, part_path + ".text")
                                      : TypeError(where, part_path + ".text", "string", *text);
          }
        }
        m.content_parts = *it;
      } else if (!it->is_null()) {
        return TypeError(where, path + ".content", "string, array or null", *it);
      }
    } else if (key == "reasoning_content" || key == "reasoning") {
      // vLLM has used both names; an empty or null value means no reasoning.
      if (it->is_string()) {
        if (!it->get_ref<const std::string&>().empty())
          m.reasoning_content = it->get<std::string>();
      } else if (!it->is_null()) {
        return TypeError(where, path + "." + key, "string or null", *it);
      }
    } else if (key == "tool_calls") {
      if (it->is_null()) continue;
      if (!it->is_array()) return TypeError(where, path + ".tool_calls", "array", *it);
      for (size_t i = 0; i < it->size(); ++i) {
        TM_ASSIGN_OR_RETURN(
            ToolCall call,
            ParseToolCall((*it)[i], where, base::StrCat(path, ".tool_calls[", i, "]")));
        m.tool_calls.push_back(std::move(call));
      }
    } else if (key == "tool_call_id") {
      if (it->is_null()) continue;
      if (!it->is_string()) return TypeError(where, path + ".tool_call_id", "string", *it);
      m.tool_call_id = it->get<std::string>();
    } else if (key == "name") {
      if (it->is_null()) continue;
      if (!it->is_string()) return TypeError(where, path + ".name", "string", *it);
      m.name = it->get<std::string>();
    } else if (key == "guidance") {
      if (!it->is_boolean()) return TypeError(where, path + ".guidance", "boolean", *it);
      m.guidance = it->get<bool>();
    } else {
      m.extra[key] = *it;
    }
  }
  if (m.role != Role::kAssistant && !m.tool_calls.empty()) {
    return FieldError(
        where, path + ".tool_calls",
        base::StrCat("only assistant messages carry tool calls, not ", RoleName(m.role)),
        "wrong_type");
  }
  return m;
}

absl::StatusOr<ToolDef> ParseToolDef(const Json& json, std::string_view where,
                                     std::string_view path_in) {
  std::string path(path_in);
  if (!json.is_object()) return TypeError(where, path, "object", json);
  ToolDef tool;
  auto fn = json.find("function");
  if (fn != json.end()) {
    if (!fn->is_object()) return TypeError(where, path + ".function", "object", *fn);
    tool.json = json;
  } else if (json.contains("name")) {
    // Flat form {name, description, parameters}: normalise to the OpenAI shape.
    tool.json = Json::object();
    tool.json["type"] = "function";
    tool.json["function"] = json;
    tool.json["function"].erase("type");
  } else {
    return FieldError(where, path, "a tool needs `function` or `name`", "missing_field");
  }
  const Json& f = tool.json["function"];
  auto name = f.find("name");
  if (name == f.end()) return Missing(where, path + ".function.name");
  if (!name->is_string()) return TypeError(where, path + ".function.name", "string", *name);
  tool.name = name->get<std::string>();
  auto params = f.find("parameters");
  if (params != f.end() && !params->is_object() && !params->is_null()) {
    return TypeError(where, path + ".function.parameters", "object", *params);
  }
  auto desc = f.find("description");
  if (desc != f.end() && !desc->is_string() && !desc->is_null()) {
    return TypeError(where, path + ".function.description", "string", *desc);
  }
  return tool;
}

absl::StatusOr<Trace> ParseTrace(const Json& json, std::string_view where) {
  if (!json.is_object()) return TypeError(where, "trace", "object", json);
  Trace t;
  t.source = std::string(where);
  bool has_messages = false;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = *it;
    if (key == "messages") {
      has_messages = true;
      if (!v.is_array()) return TypeError(where, "messages", "array", v);
      t.messages.reserve(v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        TM_ASSIGN_OR_RETURN(Message m,
                            ParseMessage(v[i], where, base::StrCat("messages[", i, "]")));
        t.messages.push_back(std::move(m));
      }
    } else if (key == "tools") {
      if (v.is_null()) continue;
      if (!v.is_array()) return TypeError(where, "tools", "array", v);
      t.tools.reserve(v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        TM_ASSIGN_OR_RETURN(ToolDef tool,
                            ParseToolDef(v[i], where, base::StrCat("tools[", i, "]")));
        t.tools.push_back(std::move(tool));
      }
    } else if (key == "id" || key == "run_id" || key == "task_id" || key == "timestamp" ||
               key == "model" || key == "endpoint") {
      std::string* field = key == "id"          ? &t.id
                           : key == "run_id"    ? &t.run_id
                           : key == "task_id"   ? &t.task_id
                           : key == "timestamp" ? &t.timestamp
                           : key == "model"     ? &t.model
                                                : &t.endpoint;
      TM_RETURN_IF_ERROR(OptString(json, key.c_str(), where, "", field));
    } else if (key == "schema_version") {
      int64_t version = 0;
      TM_RETURN_IF_ERROR(OptInt(json, "schema_version", where, "", &version));
      if (version < 0 || version > kSchemaVersion) {
        return FieldError(where, "schema_version",
                          base::StrCat("unsupported version ", version, " (this build reads up to ",
                                       kSchemaVersion, ")"),
                          "unsupported_version");
      }
      t.schema_version = static_cast<int>(version);
    } else if (key == "sampling") {
      if (v.is_null()) continue;
      if (!v.is_object()) return TypeError(where, "sampling", "object", v);
      t.sampling = v;
    } else if (key == "usage") {
      if (v.is_null()) continue;
      if (!v.is_object()) return TypeError(where, "usage", "object", v);
      TM_RETURN_IF_ERROR(OptInt(v, "prompt_tokens", where, "usage.", &t.usage.prompt_tokens));
      TM_RETURN_IF_ERROR(
          OptInt(v, "completion_tokens", where, "usage.", &t.usage.completion_tokens));
      TM_RETURN_IF_ERROR(OptInt(v, "total_tokens", where, "usage.", &t.usage.total_tokens));
      TM_RETURN_IF_ERROR(OptInt(v, "requests", where, "usage.", &t.usage.requests));
    } else if (key == "timings") {
      if (v.is_null()) continue;
      if (!v.is_object()) return TypeError(where, "timings", "object", v);
      TM_RETURN_IF_ERROR(OptString(v, "started_at", where, "timings.", &t.timings.started_at));
      TM_RETURN_IF_ERROR(OptString(v, "ended_at", where, "timings.", &t.timings.ended_at));
      TM_RETURN_IF_ERROR(OptDouble(v, "duration_ms", where, "timings.", &t.timings.duration_ms));
      TM_RETURN_IF_ERROR(OptDouble(v, "model_ms", where, "timings.", &t.timings.model_ms));
      TM_RETURN_IF_ERROR(OptDouble(v, "tool_ms", where, "timings.", &t.timings.tool_ms));
    } else if (key == "outcome") {
      if (v.is_null()) continue;
      if (v.is_string()) {
        t.outcome.status = v.get<std::string>();
        continue;
      }
      if (!v.is_object()) return TypeError(where, "outcome", "object or string", v);
      TM_RETURN_IF_ERROR(OptString(v, "status", where, "outcome.", &t.outcome.status));
      TM_RETURN_IF_ERROR(OptString(v, "detail", where, "outcome.", &t.outcome.detail));
      auto r = v.find("reward");
      if (r != v.end() && !r->is_null()) {
        if (!r->is_number()) return TypeError(where, "outcome.reward", "number", *r);
        t.outcome.reward = r->get<double>();
      }
    } else if (key == "provenance") {
      if (v.is_null()) continue;
      if (!v.is_array()) return TypeError(where, "provenance", "array", v);
      for (size_t i = 0; i < v.size(); ++i) {
        std::string p = base::StrCat("provenance[", i, "].");
        if (!v[i].is_object()) return TypeError(where, p.substr(0, p.size() - 1), "object", v[i]);
        Provenance prov;
        int64_t index = -1;
        TM_RETURN_IF_ERROR(OptString(v[i], "op", where, p, &prov.op));
        TM_RETURN_IF_ERROR(OptString(v[i], "detail", where, p, &prov.detail));
        TM_RETURN_IF_ERROR(OptInt(v[i], "message_index", where, p, &index));
        prov.message_index = static_cast<int>(index);
        t.provenance.push_back(std::move(prov));
      }
    } else {
      t.extra[key] = v;
    }
  }
  if (!has_messages) return Missing(where, "messages");
  return t;
}

absl::StatusOr<Trace> ParseTraceText(std::string_view text, std::string_view where) {
  TM_ASSIGN_OR_RETURN(Json json, base::ParseJson(text, where));
  return ParseTrace(json, where);
}

Json ToolCallToJson(const ToolCall& call) {
  Json out = Json::object();
  out["id"] = call.id;
  out["type"] = call.type;
  Json fn = Json::object();
  fn["name"] = call.name;
  fn["arguments"] = call.arguments;
  for (auto it = call.function_extra.begin(); it != call.function_extra.end(); ++it) {
    if (it.key() != "name" && it.key() != "arguments") fn[it.key()] = *it;
  }
  out["function"] = std::move(fn);
  for (auto it = call.extra.begin(); it != call.extra.end(); ++it) {
    if (it.key() != "id" && it.key() != "type" && it.key() != "function") out[it.key()] = *it;
  }
  return out;
}

Json MessageToJson(const Message& m, bool with_marks) {
  Json out = Json::object();
  out["role"] = std::string(RoleName(m.role));
  if (m.content)
    out["content"] = *m.content;
  else if (!m.content_parts.is_null())
    out["content"] = m.content_parts;
  else
    out["content"] = nullptr;
  if (m.reasoning_content) out["reasoning_content"] = *m.reasoning_content;
  if (!m.tool_calls.empty()) {
    Json calls = Json::array();
    for (const ToolCall& c : m.tool_calls) calls.push_back(ToolCallToJson(c));
    out["tool_calls"] = std::move(calls);
  }
  if (m.role == Role::kTool || !m.tool_call_id.empty()) out["tool_call_id"] = m.tool_call_id;
  if (!m.name.empty()) out["name"] = m.name;
  if (with_marks) {
    if (m.guidance) out["guidance"] = true;
    for (auto it = m.extra.begin(); it != m.extra.end(); ++it) out[it.key()] = *it;
  }
  return out;
}

Json TraceToJson(const Trace& t) {
  Json out = Json::object();
  out["schema_version"] = kSchemaVersion;
  out["id"] = t.id;
  if (!t.run_id.empty()) out["run_id"] = t.run_id;
  if (!t.task_id.empty()) out["task_id"] = t.task_id;
  out["timestamp"] = t.timestamp;
  out["model"] = t.model;
  if (!t.endpoint.empty()) out["endpoint"] = t.endpoint;
  if (!t.sampling.empty()) out["sampling"] = t.sampling;
  if (!t.usage.empty()) {
    out["usage"] = {{"prompt_tokens", t.usage.prompt_tokens},
                    {"completion_tokens", t.usage.completion_tokens},
                    {"total_tokens", t.usage.total_tokens},
                    {"requests", t.usage.requests}};
  }
  if (!t.timings.empty()) {
    out["timings"] = {{"started_at", t.timings.started_at},
                      {"ended_at", t.timings.ended_at},
                      {"duration_ms", t.timings.duration_ms},
                      {"model_ms", t.timings.model_ms},
                      {"tool_ms", t.timings.tool_ms}};
  }
  if (!t.outcome.empty()) {
    Json o = Json::object();
    o["status"] = t.outcome.status;
    if (t.outcome.reward) o["reward"] = *t.outcome.reward;
    if (!t.outcome.detail.empty()) o["detail"] = t.outcome.detail;
    out["outcome"] = std::move(o);
  }
  Json messages = Json::array();
  for (const Message& m : t.messages) messages.push_back(MessageToJson(m));
  out["messages"] = std::move(messages);
  Json tools = Json::array();
  for (const ToolDef& tool : t.tools) tools.push_back(tool.json);
  out["tools"] = std::move(tools);
  if (!t.provenance.empty()) {
    Json prov = Json::array();
    for (const Provenance& p : t.provenance) {
      prov.push_back({{"op", p.op}, {"detail", p.detail}, {"message_index", p.message_index}});
    }
    out["provenance"] = std::move(prov);
  }
  for (auto it = t.extra.begin(); it != t.extra.end(); ++it) out[it.key()] = *it;
  return out;
}

}  // namespace tracemill::trace
