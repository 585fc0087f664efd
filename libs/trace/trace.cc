#include "libs/trace/trace.h"

namespace tracemill::trace {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kDeveloper:
      return "developer";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "unknown";
}

bool ParseRole(std::string_view name, Role* role) {
  if (name == "system")
    *role = Role::kSystem;
  else if (name == "user")
    *role = Role::kUser;
  else if (name == "assistant")
    *role = Role::kAssistant;
  else if (name == "tool")
    *role = Role::kTool;
  else if (name == "developer")
    *role = Role::kDeveloper;
  else
    return false;
  return true;
}

bool IsTextPart(const Json& part) {
  if (!part.is_object()) return false;
  auto type = part.find("type");
  auto text = part.find("text");
  return type != part.end() && type->is_string() && type->get_ref<const std::string&>() == "text" &&
         text != part.end() && text->is_string();
}

std::string Message::Text() const {
  if (content) return *content;
  std::string out;
  if (content_parts.is_array()) {
    for (const Json& part : content_parts) {
      if (IsTextPart(part)) out += part["text"].get_ref<const std::string&>();
    }
  }
  return out;
}

const Json* ToolDef::parameters() const {
  auto fn = json.find("function");
  if (fn == json.end() || !fn->is_object()) return nullptr;
  auto params = fn->find("parameters");
  if (params == fn->end()) return nullptr;
  return &*params;
}

std::string ToolDef::description() const {
  auto fn = json.find("function");
  if (fn == json.end() || !fn->is_object()) return "";
  auto d = fn->find("description");
  return (d != fn->end() && d->is_string()) ? d->get<std::string>() : "";
}

int Trace::FindTool(std::string_view name) const {
  for (size_t i = 0; i < tools.size(); ++i) {
    if (tools[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void Trace::AddProvenance(std::string op, std::string detail, int message_index) {
  provenance.push_back({std::move(op), std::move(detail), message_index});
}

}  // namespace tracemill::trace
