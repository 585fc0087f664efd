#include "libs/mcp/server_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <span>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::mcp {
namespace {

constexpr double kMaxTimeoutMs = 86400000;  // a day

// A field path as written in errors: `mcpServers.browser.args[2]`, or
// `mcpServers["my server"]` for keys that are not plain words.
std::string Field(std::string_view path, std::string_view key) {
  bool plain = !key.empty();
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      plain = false;
    }
  }
  std::string out(path);
  if (plain) {
    base::StrAppend(&out, out.empty() ? "" : ".", key);
  } else {
    out += '[';
    base::AppendJsonString(&out, key);
    out += ']';
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view where, const EnvLookup& env) : where_(where), env_(env) {}

  absl::Status Bad(std::string_view path, std::string_view what) const {
    return absl::InvalidArgumentError(base::StrCat(where_, ": ", path, ": ", what));
  }

  std::optional<std::string> Getenv(const std::string& name) const {
    if (env_) return env_(name);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  }

  // `${VAR}`, `${VAR:-default}` and `$${` in `text`. Errors never quote `text`.
  absl::StatusOr<std::string> Expand(std::string_view text, std::string_view path) const {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
      if (text.substr(i, 3) == "$${") {
        out += "${";
        i += 3;
        continue;
      }
      if (text.substr(i, 2) != "${") {
        out += text[i++];
        continue;
      }
      const size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        return Bad(path, base::StrCat("unclosed ${ at byte ", i, " (write $${ for a literal ${)"));
      }
      std::string_view inner = text.substr(i + 2, close - i - 2);
      std::string_view name = inner;
      std::optional<std::string_view> fallback;
      if (size_t dash = inner.find(":-"); dash != std::string_view::npos) {
        name = inner.substr(0, dash);
        fallback = inner.substr(dash + 2);
      }
      if (!IsVariableName(name)) {
        return Bad(path, base::StrCat("malformed ${...} at byte ", i,
                                      ": a variable name is [A-Za-z_][A-Za-z0-9_]*"));
      }
      std::optional<std::string> value = Getenv(std::string(name));
      if (value && (!value->empty() || !fallback)) {
        out += *value;
      } else if (fallback) {
        out += *fallback;
      } else {
        return Bad(path, base::StrCat("environment variable ", name, " is not set (write ${", name,
                                      ":-default} for a default)"));
      }
      i = close + 1;
    }
    return out;
  }

  absl::StatusOr<std::vector<ServerConfig>> Servers(const Json& json) const {
    if (!json.is_object()) {
      return absl::InvalidArgumentError(
          base::StrCat(where_, ": not a JSON object (expected {\"mcpServers\": {...}}) but ",
                       base::JsonTypeName(json)));
    }
    const Json* servers = &json;
    std::string path;
    if (auto it = json.find("mcpServers"); it != json.end()) {
      path = "mcpServers";
      if (!it->is_object())
        return Bad(path, base::StrCat("not an object but ", base::JsonTypeName(*it)));
      servers = &*it;
    }
    std::vector<ServerConfig> out;
    out.reserve(servers->size());
    for (const auto& [name, entry] : servers->items()) {
      const std::string entry_path = Field(path, name);
      if (name.empty()) return Bad(entry_path, "a server name must not be empty");
      TM_ASSIGN_OR_RETURN(ServerConfig config, Server(name, entry, entry_path));
      out.push_back(std::move(config));
    }
    return out;
  }

 private:
  static bool IsVariableName(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_')) {
        return false;
      }
    }
    return true;
  }

  // RFC 9110 token characters.
  static bool IsHeaderName(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos)) {
        return false;
      }
    }
    return true;
  }

  // A string field, expanded unless the server is disabled. An expanded value must hold no
  // NUL byte: it could not reach a process's argv or environment intact.
  absl::StatusOr<std::string> String(const Json& value, std::string_view path, bool expand) const {
    if (!value.is_string()) {
      return Bad(path, base::StrCat("not a string but ", base::JsonTypeName(value)));
    }
    const std::string& raw = value.get_ref<const std::string&>();
    if (!expand) return raw;
    TM_ASSIGN_OR_RETURN(std::string out, Expand(raw, path));
    if (out.find('\0') != std::string::npos) return Bad(path, "contains a NUL byte");
    return out;
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> StringMap(const Json& value,
                                                                             std::string_view path,
                                                                             bool expand,
                                                                             bool headers) const {
    if (!value.is_object()) {
      return Bad(path, base::StrCat("not an object but ", base::JsonTypeName(value)));
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, item] : value.items()) {
      const std::string item_path = Field(path, key);
      if (headers && !IsHeaderName(key)) return Bad(item_path, "not a valid HTTP header name");
      if (!headers &&
          (key.empty() || key.find_first_of(std::string_view("=\0", 2)) != std::string::npos)) {
        return Bad(item_path, "not a valid environment variable name (empty, or has '=' or NUL)");
      }
      TM_ASSIGN_OR_RETURN(std::string text, String(item, item_path, expand));
      if (headers && expand && text.find_first_of("\r\n") != std::string::npos) {
        return Bad(item_path, "the value contains a line break");
      }
      out.emplace_back(key, std::move(text));
    }
    return out;
  }

  absl::Status CheckUrl(std::string_view url, std::string_view path) const {
    std::string lower(url.substr(0, 8));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t scheme = lower.starts_with("https://") ? 8 : lower.starts_with("http://") ? 7 : 0;
    if (scheme == 0) return Bad(path, "must start with http:// or https://");
    for (unsigned char c : url) {
      if (c <= 0x20 || c == 0x7f) return Bad(path, "contains a space or control character");
    }
    const size_t host_end = url.find_first_of("/?#", scheme);
    if (url.substr(scheme, host_end - scheme).empty()) return Bad(path, "has no host");
    return absl::OkStatus();
  }

  absl::StatusOr<ServerConfig> Server(const std::string& name, const Json& entry,
                                      const std::string& path) const {
    if (!entry.is_object()) {
      return Bad(path, base::StrCat("not an object but ", base::JsonTypeName(entry)));
    }
    ServerConfig config;
    config.name = name;
    if (auto it = entry.find("disabled"); it != entry.end()) {
      if (!it->is_boolean()) {
        return Bad(Field(path, "disabled"),
                   base::StrCat("not a boolean but ", base::JsonTypeName(*it)));
      }
      config.disabled = it->get<bool>();
    }
    const bool expand = !config.disabled;

    auto command = entry.find("command");
    auto url = entry.find("url");
    if (command != entry.end() && url != entry.end()) {
      return Bad(path,
                 "has both \"command\" and \"url\"; a server is either stdio or Streamable HTTP");
    }
    if (command == entry.end() && url == entry.end()) {
      return Bad(path, "needs \"command\" (a stdio server) or \"url\" (a Streamable HTTP server)");
    }
    const bool http = url != entry.end();

    if (auto it = entry.find("type"); it != entry.end()) {
      const std::string type_path = Field(path, "type");
      if (!it->is_string()) {
        return Bad(type_path, base::StrCat("not a string but ", base::JsonTypeName(*it)));
      }
      const std::string& type = it->get_ref<const std::string&>();
      if (type == "sse") {
        return absl::UnimplementedError(base::StrCat(
            where_, ": ", type_path,
            ": \"sse\", the deprecated HTTP+SSE transport, is not supported; use the server's "
            "Streamable HTTP endpoint (\"type\": \"http\")"));
      }
      const bool type_http =
          type == "http" || type == "streamable-http" || type == "streamableHttp";
      if (!type_http && type != "stdio") {
        return Bad(type_path,
                   "unknown transport (expected \"stdio\", \"http\" or \"streamable-http\")");
      }
      if (type_http != http) {
        return Bad(type_path, type_http
                                  ? "an HTTP transport but the server has \"command\", not \"url\""
                                  : "\"stdio\" but the server has \"url\", not \"command\"");
      }
    }

    if (http) {
      const std::string url_path = Field(path, "url");
      TM_ASSIGN_OR_RETURN(config.url, String(*url, url_path, expand));
      if (config.url.empty()) return Bad(url_path, "empty");
      if (expand) TM_RETURN_IF_ERROR(CheckUrl(config.url, url_path));
    } else {
      const std::string command_path = Field(path, "command");
      TM_ASSIGN_OR_RETURN(config.command, String(*command, command_path, expand));
      if (config.command.empty()) return Bad(command_path, "empty");
    }

    // Fields of the other transport are mistakes, not options to ignore.
    static constexpr std::string_view kStdioOnly[] = {"args", "env", "cwd"};
    static constexpr std::string_view kHttpOnly[] = {"headers"};
    for (std::string_view key : http ? std::span<const std::string_view>(kStdioOnly)
                                     : std::span<const std::string_view>(kHttpOnly)) {
      if (entry.contains(key)) {
        return Bad(Field(path, key), http ? "only for stdio servers (this one has \"url\")"
                                          : "only for HTTP servers (this one has \"command\")");
      }
    }

    if (auto it = entry.find("args"); it != entry.end()) {
      const std::string args_path = Field(path, "args");
      if (!it->is_array()) {
        return Bad(args_path, base::StrCat("not an array but ", base::JsonTypeName(*it)));
      }
      for (size_t i = 0; i < it->size(); ++i) {
        TM_ASSIGN_OR_RETURN(std::string arg,
                            String((*it)[i], base::StrCat(args_path, "[", i, "]"), expand));
        config.args.push_back(std::move(arg));
      }
    }
    if (auto it = entry.find("env"); it != entry.end()) {
      TM_ASSIGN_OR_RETURN(config.env,
                          StringMap(*it, Field(path, "env"), expand, /*headers=*/false));
    }
    if (auto it = entry.find("cwd"); it != entry.end()) {
      TM_ASSIGN_OR_RETURN(config.cwd, String(*it, Field(path, "cwd"), expand));
    }
    if (auto it = entry.find("headers"); it != entry.end()) {
      TM_ASSIGN_OR_RETURN(config.headers,
                          StringMap(*it, Field(path, "headers"), expand, /*headers=*/true));
    }
    for (const char* key : {"includeTools", "excludeTools"}) {
      auto it = entry.find(key);
      if (it == entry.end()) continue;
      const std::string list_path = Field(path, key);
      if (!it->is_array()) {
        return Bad(list_path, base::StrCat("not an array but ", base::JsonTypeName(*it)));
      }
      std::vector<std::string>& list =
          std::string_view(key) == "includeTools" ? config.include_tools : config.exclude_tools;
      for (size_t i = 0; i < it->size(); ++i) {
        const std::string item_path = base::StrCat(list_path, "[", i, "]");
        if (!(*it)[i].is_string() || (*it)[i].get_ref<const std::string&>().empty()) {
          return Bad(item_path, "not a tool name (a non-empty string)");
        }
        list.push_back((*it)[i].get<std::string>());
      }
    }
    if (auto it = entry.find("timeout"); it != entry.end()) {
      const std::string timeout_path = Field(path, "timeout");
      if (!it->is_number()) {
        return Bad(timeout_path,
                   base::StrCat("not a number (milliseconds) but ", base::JsonTypeName(*it)));
      }
      const double ms = std::ceil(it->get<double>());
      if (!(ms >= 1 && ms <= kMaxTimeoutMs)) {
        return Bad(timeout_path, "out of range: milliseconds from 1 to 86400000");
      }
      config.timeout = std::chrono::milliseconds(static_cast<int64_t>(ms));
    }
    return config;
  }

  std::string_view where_;
  const EnvLookup& env_;
};

}  // namespace

bool ServerConfig::Offers(std::string_view name) const {
  auto named = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  return (include_tools.empty() || named(include_tools)) && !named(exclude_tools);
}

absl::StatusOr<std::vector<ServerConfig>> ParseMcpServers(const Json& json, std::string_view where,
                                                          const EnvLookup& env) {
  return Parser(where, env).Servers(json);
}

absl::StatusOr<std::vector<ServerConfig>> LoadMcpServers(const std::string& path,
                                                         const EnvLookup& env) {
  TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  TM_ASSIGN_OR_RETURN(Json json, base::ParseJson(text, path));
  return ParseMcpServers(json, path, env);
}

}  // namespace tracemill::mcp
