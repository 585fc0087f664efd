#include "libs/agent/agent_config.h"

#include <charconv>
#include <filesystem>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace tracemill::agent {
namespace {

Json Scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  int64_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && p == s.data() + s.size()) return i;
  double d = 0;
  auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 == std::errc() && p2 == s.data() + s.size()) return d;
  return s;
}

Json Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = Convert(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(Convert(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return Scalar(node);
    default:
      return nullptr;
  }
}

class Reader {
 public:
  explicit Reader(std::string_view where) : where_(where) {}

  absl::Status Bad(std::string_view path, std::string_view what) const {
    return absl::InvalidArgumentError(base::StrCat(where_, ": ", path, ": ", what));
  }
  absl::Status Keys(const Json& obj, std::string_view path,
                    std::initializer_list<std::string_view> known) const {
    if (!obj.is_object()) return Bad(path, "not a mapping");
    for (const auto& [k, v] : obj.items()) {
      bool ok = false;
      for (std::string_view name : known) ok = ok || k == name;
      if (!ok) return Bad(base::StrCat(path, ".", k), "unknown key");
    }
    return absl::OkStatus();
  }
  absl::Status String(const Json& obj, std::string_view path, const char* key, std::string* out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return absl::OkStatus();
    if (!it->is_string()) return Bad(base::StrCat(path, ".", key), "not a string");
    *out = it->get<std::string>();
    return absl::OkStatus();
  }
  absl::Status Bool(const Json& obj, std::string_view path, const char* key, bool* out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return absl::OkStatus();
    if (!it->is_boolean()) return Bad(base::StrCat(path, ".", key), "not true or false");
    *out = it->get<bool>();
    return absl::OkStatus();
  }
  absl::Status Number(const Json& obj, std::string_view path, const char* key, double min,
                      double* out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return absl::OkStatus();
    if (!it->is_number() || it->get<double>() < min) {
      return Bad(base::StrCat(path, ".", key), base::StrCat("not a number >= ", min));
    }
    *out = it->get<double>();
    return absl::OkStatus();
  }
  absl::Status Strings(const Json& obj, std::string_view path, const char* key,
                       std::vector<std::string>* out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return absl::OkStatus();
    if (!it->is_array()) return Bad(base::StrCat(path, ".", key), "not a list");
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) return Bad(base::StrCat(path, ".", key, "[", i, "]"), "not a string");
      out->push_back((*it)[i].get<std::string>());
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
};

std::chrono::milliseconds Seconds(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

}  // namespace

absl::StatusOr<Json> YamlToJson(std::string_view text, std::string_view where) {
  try {
    return Convert(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(base::StrCat(where, ": line ", e.mark.line + 1, ": ", e.msg));
  }
}

absl::StatusOr<AgentConfig> ParseAgentConfig(std::string_view text, std::string_view where,
                                             const std::string& base_dir,
                                             const mcp::EnvLookup& env) {
  auto parsed = YamlToJson(text, where);
  if (!parsed.ok()) return parsed.status();
  const Json& root = *parsed;
  const Reader r(where);
  AgentConfig c;
  if (root.is_null()) return r.Bad("(top)", "empty configuration: it needs at least endpoint.base_url and endpoint.model");
  if (auto s = r.Keys(root, "(top)", {"endpoint", "sampling", "system_prompt", "system_prompt_file",
                                      "limits", "truncate", "approval", "mcpServers"});
      !s.ok()) {
    return s;
  }
  // endpoint
  auto ep = root.find("endpoint");
  if (ep == root.end()) return r.Bad("endpoint", "missing");
  if (auto s = r.Keys(*ep, "endpoint", {"base_url", "model", "api_key_env", "stream", "hermes",
                                        "timeout_s", "max_attempts", "extra_body"});
      !s.ok()) {
    return s;
  }
  for (auto s : {r.String(*ep, "endpoint", "base_url", &c.endpoint.base_url),
                 r.String(*ep, "endpoint", "model", &c.endpoint.model),
                 r.String(*ep, "endpoint", "api_key_env", &c.api_key_env),
                 r.Bool(*ep, "endpoint", "stream", &c.endpoint.stream)}) {
    if (!s.ok()) return s;
  }
  if (c.endpoint.base_url.empty()) return r.Bad("endpoint.base_url", "missing");
  if (c.endpoint.model.empty()) return r.Bad("endpoint.model", "missing");
  std::string hermes = "auto";
  if (auto s = r.String(*ep, "endpoint", "hermes", &hermes); !s.ok()) return s;
  if (hermes == "auto") c.endpoint.hermes = llm::HermesMode::kAuto;
  else if (hermes == "on") c.endpoint.hermes = llm::HermesMode::kOn;
  else if (hermes == "off") c.endpoint.hermes = llm::HermesMode::kOff;
  else return r.Bad("endpoint.hermes", "not auto, on or off");
  double timeout_s = 600, attempts = 6;
  if (auto s = r.Number(*ep, "endpoint", "timeout_s", 0.001, &timeout_s); !s.ok()) return s;
  if (auto s = r.Number(*ep, "endpoint", "max_attempts", 1, &attempts); !s.ok()) return s;
  c.endpoint.timeout = Seconds(timeout_s);
  c.endpoint.max_attempts = static_cast<int>(attempts);
  if (auto eb = ep->find("extra_body"); eb != ep->end()) {
    if (!eb->is_object()) return r.Bad("endpoint.extra_body", "not a mapping");
    c.endpoint.extra_body = *eb;
  }
  // sampling, prompt
  if (auto sp = root.find("sampling"); sp != root.end()) {
    if (!sp->is_object()) return r.Bad("sampling", "not a mapping");
    c.options.sampling = *sp;
  }
  if (auto s = r.String(root, "(top)", "system_prompt", &c.options.system_prompt); !s.ok()) return s;
  std::string prompt_file;
  if (auto s = r.String(root, "(top)", "system_prompt_file", &prompt_file); !s.ok()) return s;
  if (!prompt_file.empty()) {
    if (!c.options.system_prompt.empty()) {
      return r.Bad("system_prompt_file", "give system_prompt or system_prompt_file, not both");
    }
    std::filesystem::path p(prompt_file);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    auto prompt = base::ReadFile(p.string());
    if (!prompt.ok()) return r.Bad("system_prompt_file", base::StrCat(prompt.status().message()));
    c.options.system_prompt = *prompt;
  }
  // limits
  if (auto lim = root.find("limits"); lim != root.end()) {
    if (auto s = r.Keys(*lim, "limits", {"max_turns", "max_tool_calls", "max_wall_s", "max_tokens",
                                         "tool_timeout_s"});
        !s.ok()) {
      return s;
    }
    double turns = c.options.max_turns, calls = c.options.max_tool_calls, wall = 600, tokens = 0,
           tool = 120;
    for (auto s : {r.Number(*lim, "limits", "max_turns", 1, &turns),
                   r.Number(*lim, "limits", "max_tool_calls", 0, &calls),
                   r.Number(*lim, "limits", "max_wall_s", 0.001, &wall),
                   r.Number(*lim, "limits", "max_tokens", 0, &tokens),
                   r.Number(*lim, "limits", "tool_timeout_s", 0.001, &tool)}) {
      if (!s.ok()) return s;
    }
    c.options.max_turns = static_cast<int>(turns);
    c.options.max_tool_calls = static_cast<int>(calls);
    c.options.max_wall = Seconds(wall);
    c.options.max_tokens = static_cast<int64_t>(tokens);
    c.options.tool_timeout = Seconds(tool);
  }
  double truncate = 0;
  if (auto s = r.Number(root, "(top)", "truncate", 0, &truncate); !s.ok()) return s;
  c.options.truncate_chars = static_cast<int64_t>(truncate);
  if (auto ap = root.find("approval"); ap != root.end()) {
    if (auto s = r.Keys(*ap, "approval", {"allow", "deny"}); !s.ok()) return s;
    if (auto s = r.Strings(*ap, "approval", "allow", &c.options.approval.allow); !s.ok()) return s;
    if (auto s = r.Strings(*ap, "approval", "deny", &c.options.approval.deny); !s.ok()) return s;
  }
  if (root.contains("mcpServers")) {
    Json servers = {{"mcpServers", root["mcpServers"]}};
    auto parsed_servers = mcp::ParseMcpServers(servers, where, env);
    if (!parsed_servers.ok()) return parsed_servers.status();
    c.servers = std::move(*parsed_servers);
  }
  return c;
}

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path, const mcp::EnvLookup& env) {
  auto text = base::ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseAgentConfig(*text, path, std::filesystem::path(path).parent_path().string(), env);
}

}  // namespace tracemill::agent
