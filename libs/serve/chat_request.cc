#include "libs/serve/chat_request.h"

#include <set>

#include "libs/base/str_cat.h"

namespace tracemill::serve {
namespace {

bool Fail(RequestError* error, std::string param, std::string message) {
  error->status = 400;
  error->param = std::move(param);
  error->message = std::move(message);
  return false;
}

const char* TypeName(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

bool Number(const Json& body, const char* key, double lo, double hi, std::optional<double>* out, RequestError* error) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number()) return Fail(error, key, base::StrCat("\"", key, "\" must be a number, not ", TypeName(*it)));
  const double v = it->get<double>();
  if (!(v >= lo && v <= hi)) return Fail(error, key, base::StrCat("\"", key, "\" must be between ", lo, " and ", hi));
  *out = v;
  return true;
}

bool Integer(const Json& body, const char* key, int64_t lo, int64_t hi, std::optional<int64_t>* out,
             RequestError* error) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number_integer()) {
    return Fail(error, key, base::StrCat("\"", key, "\" must be an integer, not ", TypeName(*it)));
  }
  const int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                        ? INT64_MAX
                        : it->get<int64_t>();
  if (v < lo || v > hi) return Fail(error, key, base::StrCat("\"", key, "\" must be between ", lo, " and ", hi));
  *out = v;
  return true;
}

bool CheckMessages(const Json& messages, RequestError* error) {
  static const std::set<std::string> kRoles = {"system", "developer", "user", "assistant", "tool"};
  if (!messages.is_array()) return Fail(error, "messages", "\"messages\" must be an array");
  if (messages.empty()) return Fail(error, "messages", "\"messages\" must not be empty");
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    const std::string at = base::StrCat("messages[", i, "]");
    if (!m.is_object()) return Fail(error, at, base::StrCat(at, " must be an object"));
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return Fail(error, at + ".role", base::StrCat(at, " has no \"role\" string"));
    if (kRoles.count(role->get<std::string>()) == 0) {
      return Fail(error, at + ".role", base::StrCat(at, " has an unknown role \"", role->get<std::string>(), "\""));
    }
    auto content = m.find("content");
    if (content != m.end() && !content->is_null() && !content->is_string() && !content->is_array()) {
      return Fail(error, at + ".content", base::StrCat(at, ".content must be a string, an array of parts or null"));
    }
    if (content != m.end() && content->is_array()) {
      for (const Json& part : *content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string()) {
          return Fail(error, at + ".content",
                      base::StrCat(at, ".content: only text parts ({\"type\": \"text\", \"text\": ...}) are supported"));
        }
      }
    }
    auto calls = m.find("tool_calls");
    if (calls != m.end() && !calls->is_null()) {
      if (!calls->is_array()) return Fail(error, at + ".tool_calls", base::StrCat(at, ".tool_calls must be an array"));
      for (size_t c = 0; c < calls->size(); ++c) {
        const Json& call = (*calls)[c];
        const std::string cat = base::StrCat(at, ".tool_calls[", c, "]");
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object() ||
            !call["function"].contains("name") || !call["function"]["name"].is_string()) {
          return Fail(error, cat, base::StrCat(cat, " must have function.name"));
        }
        const Json& args = call["function"].value("arguments", Json());
        if (!args.is_null() && !args.is_string() && !args.is_object()) {
          return Fail(error, cat, base::StrCat(cat, ".function.arguments must be a JSON string or an object"));
        }
      }
    }
  }
  return true;
}

}  // namespace

bool ParseChatRequest(std::string_view body, ChatRequest* out, RequestError* error) {
  auto parsed = base::ParseJson(body, "the request body");
  if (!parsed.ok()) return Fail(error, "", std::string(parsed.status().message()));
  Json& j = *parsed;
  if (!j.is_object()) return Fail(error, "", "the request body must be a JSON object");
  *out = ChatRequest();

  auto model = j.find("model");
  if (model != j.end() && !model->is_null()) {
    if (!model->is_string()) return Fail(error, "model", "\"model\" must be a string");
    out->model = model->get<std::string>();
  }
  auto messages = j.find("messages");
  if (messages == j.end()) return Fail(error, "messages", "\"messages\" is required");
  if (!CheckMessages(*messages, error)) return false;
  out->messages = *messages;

  auto tools = j.find("tools");
  if (tools != j.end() && !tools->is_null()) {
    if (!tools->is_array()) return Fail(error, "tools", "\"tools\" must be an array");
    for (size_t i = 0; i < tools->size(); ++i) {
      const Json& t = (*tools)[i];
      if (!t.is_object() || t.value("type", "function") != "function" || !t.contains("function") ||
          !t["function"].is_object() || !t["function"].contains("name") || !t["function"]["name"].is_string()) {
        return Fail(error, base::StrCat("tools[", i, "]"),
                    base::StrCat("tools[", i, "] must be {\"type\": \"function\", \"function\": {\"name\": ...}}"));
      }
    }
    if (!tools->empty()) out->tools = *tools;
  }
  auto choice = j.find("tool_choice");
  if (choice != j.end() && !choice->is_null()) {
    if (choice->is_string()) {
      const std::string c = choice->get<std::string>();
      if (c != "auto" && c != "none" && c != "required") {
        return Fail(error, "tool_choice", "\"tool_choice\" must be \"auto\", \"none\", \"required\" or a function");
      }
      out->tool_choice = c;
    } else if (choice->is_object() && choice->contains("function") && (*choice)["function"].is_object() &&
               (*choice)["function"].contains("name") && (*choice)["function"]["name"].is_string()) {
      out->tool_choice = "function";
      out->tool_choice_function = (*choice)["function"]["name"].get<std::string>();
      bool known = false;
      for (const Json& t : out->tools.is_array() ? out->tools : Json::array()) {
        known = known || t["function"]["name"] == out->tool_choice_function;
      }
      if (!known) {
        return Fail(error, "tool_choice",
                    base::StrCat("tool_choice names \"", out->tool_choice_function, "\", which is not in \"tools\""));
      }
    } else {
      return Fail(error, "tool_choice", "\"tool_choice\" must be a string or {\"type\": \"function\", \"function\": {\"name\": ...}}");
    }
    if ((out->tool_choice == "required") && out->tools.is_null()) {
      return Fail(error, "tool_choice", "tool_choice \"required\" needs \"tools\"");
    }
  }

  if (!Number(j, "temperature", 0, 2, &out->temperature, error)) return false;
  if (!Number(j, "top_p", 0, 1, &out->top_p, error)) return false;
  if (out->top_p && *out->top_p == 0) return Fail(error, "top_p", "\"top_p\" must be greater than 0");
  if (!Integer(j, "top_k", -1, 1 << 20, &out->top_k, error)) return false;
  if (!Integer(j, "seed", INT64_MIN, INT64_MAX, &out->seed, error)) return false;
  std::optional<int64_t> max_tokens, max_completion_tokens;
  if (!Integer(j, "max_tokens", 1, 1 << 24, &max_tokens, error)) return false;
  if (!Integer(j, "max_completion_tokens", 1, 1 << 24, &max_completion_tokens, error)) return false;
  out->max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  std::optional<int64_t> n;
  if (!Integer(j, "n", 1, 1 << 10, &n, error)) return false;
  if (n && *n != 1) return Fail(error, "n", "only n = 1 is supported");

  auto stop = j.find("stop");
  if (stop != j.end() && !stop->is_null()) {
    if (stop->is_string()) {
      out->stop.push_back(stop->get<std::string>());
    } else if (stop->is_array() && stop->size() <= 4) {
      for (const Json& s : *stop) {
        if (!s.is_string()) return Fail(error, "stop", "\"stop\" must hold strings");
        out->stop.push_back(s.get<std::string>());
      }
    } else {
      return Fail(error, "stop", "\"stop\" must be a string or an array of up to 4 strings");
    }
    for (const std::string& s : out->stop) {
      if (s.empty()) return Fail(error, "stop", "\"stop\" strings must not be empty");
    }
  }
  auto stream = j.find("stream");
  if (stream != j.end() && !stream->is_null()) {
    if (!stream->is_boolean()) return Fail(error, "stream", "\"stream\" must be a boolean");
    out->stream = stream->get<bool>();
  }
  auto options = j.find("stream_options");
  if (options != j.end() && !options->is_null()) {
    if (!options->is_object()) return Fail(error, "stream_options", "\"stream_options\" must be an object");
    auto usage = options->find("include_usage");
    if (usage != options->end() && !usage->is_null()) {
      if (!usage->is_boolean()) return Fail(error, "stream_options", "\"include_usage\" must be a boolean");
      out->include_usage = usage->get<bool>();
    }
  }
  auto kwargs = j.find("chat_template_kwargs");
  if (kwargs != j.end() && !kwargs->is_null()) {
    if (!kwargs->is_object()) return Fail(error, "chat_template_kwargs", "\"chat_template_kwargs\" must be an object");
    out->chat_template_kwargs = *kwargs;
  }
  return true;
}

}  // namespace tracemill::serve
