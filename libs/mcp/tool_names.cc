#include "libs/mcp/tool_names.h"

#include <set>
#include <unordered_map>
#include <utility>

#include "libs/base/str_cat.h"

namespace tracemill::mcp {
namespace {

constexpr size_t kHashSuffix = 9;  // "_" and 8 hex digits
constexpr int kSaltedTries = 4;    // hashes tried before probing for a free suffix

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string Sanitize(std::string_view name) {
  if (name.empty()) return "tool";
  std::string out(name);
  for (char& c : out) {
    if (!IsNameChar(c)) c = '_';
  }
  return out;
}

// FNV-1a (32 bit) over "server\0tool"; salt k > 0 prefixes "k\0", which changes the
// starting state, so names that collide under one salt need not collide under the next.
uint32_t Fnv1a(std::string_view server, std::string_view tool, int salt) {
  uint32_t h = 2166136261u;
  auto add = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
  };
  if (salt > 0) add(base::StrCat(salt, std::string_view("\0", 1)));
  add(server);
  add(std::string_view("\0", 1));
  add(tool);
  return h;
}

std::string WithSuffix(std::string_view base, uint32_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(base.substr(0, kMaxFunctionName - kHashSuffix));
  out.push_back('_');
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHex[(hash >> shift) & 0xf]);
  return out;
}

using ToolNameMapHash = uint32_t (*)(std::string_view, std::string_view, int);

struct Entry {
  std::string_view server;
  std::string_view tool;
  std::string base;  // sanitized, prefixed when step 2 applies
  int level = 0;     // 0: base as is (when it fits); n: the nth hash tried
  uint32_t last_hash = 0;
  std::string name;
};

void Name(Entry& e, ToolNameMapHash hash) {
  const bool fits = e.base.size() <= kMaxFunctionName;
  if (fits && e.level == 0) {
    e.name = e.base;
    return;
  }
  e.last_hash = hash(e.server, e.tool, fits ? e.level - 1 : e.level);
  e.name = WithSuffix(e.base, e.last_hash);
}

// Indices of entries whose name is shared with another entry.
std::vector<size_t> Colliding(const std::vector<Entry>& entries) {
  std::unordered_map<std::string_view, int> count;
  for (const Entry& e : entries) ++count[e.name];
  std::vector<size_t> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (count[entries[i].name] > 1) out.push_back(i);
  }
  return out;
}

}  // namespace

bool IsValidFunctionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFunctionName) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

ToolNameMap ToolNameMap::Build(const std::vector<ServerTools>& servers) {
  return Build(servers, Fnv1a);
}

ToolNameMap ToolNameMap::Build(const std::vector<ServerTools>& servers, Hash hash) {
  std::vector<Entry> entries;
  std::set<std::string_view> seen_servers;
  for (const ServerTools& s : servers) {
    if (!seen_servers.insert(s.server).second) continue;
    std::set<std::string_view> seen_tools;
    for (const McpTool& t : s.tools) {
      if (!seen_tools.insert(t.name).second) continue;
      entries.push_back({.server = s.server, .tool = t.name, .base = Sanitize(t.name)});
    }
  }

  // Step 2: every tool whose sanitized name is shared gets its server prefix.
  std::unordered_map<std::string, int> base_count;
  for (const Entry& e : entries) ++base_count[e.base];
  for (Entry& e : entries) {
    if (base_count[e.base] > 1) e.base = base::StrCat(Sanitize(e.server), "__", e.base);
  }

  // Step 3: hash suffixes until names are unique; every member of a collision moves on.
  for (Entry& e : entries) Name(e, hash);
  for (int round = 0; round < kSaltedTries; ++round) {
    std::vector<size_t> colliding = Colliding(entries);
    if (colliding.empty()) break;
    for (size_t i : colliding) {
      ++entries[i].level;
      Name(entries[i], hash);
    }
  }
  // Last resort: later duplicates probe the following hash values for a name nobody has.
  // Distinct values give distinct names, so this ends within entries.size() steps each.
  if (!Colliding(entries).empty()) {
    std::unordered_map<std::string, int> count;
    for (const Entry& e : entries) ++count[e.name];
    std::set<std::string> taken;
    for (Entry& e : entries) {
      if (taken.insert(e.name).second) continue;
      --count[e.name];
      for (uint32_t step = 1;; ++step) {
        std::string candidate = WithSuffix(e.base, e.last_hash + step);
        if (count[candidate] == 0 && !taken.contains(candidate)) {
          e.name = std::move(candidate);
          break;
        }
      }
      ++count[e.name];
      taken.insert(e.name);
    }
  }

  ToolNameMap map;
  map.routes_.reserve(entries.size());
  for (Entry& e : entries) {
    map.by_function_.emplace(e.name, map.routes_.size());
    map.routes_.push_back({.function = std::move(e.name),
                           .server = std::string(e.server),
                           .tool = std::string(e.tool)});
  }
  return map;
}

const ToolRoute* ToolNameMap::Find(std::string_view function) const {
  auto it = by_function_.find(function);
  return it == by_function_.end() ? nullptr : &routes_[it->second];
}

std::vector<trace::ToolDef> ToolNameMap::OpenAiTools(
    const std::vector<ServerTools>& servers) const {
  // (server, tool) → the tool, first entries winning as in Build.
  std::map<std::pair<std::string_view, std::string_view>, const McpTool*> tools;
  std::set<std::string_view> seen_servers;
  for (const ServerTools& s : servers) {
    if (!seen_servers.insert(s.server).second) continue;
    for (const McpTool& t : s.tools)
      tools.emplace(std::pair{std::string_view(s.server), std::string_view(t.name)}, &t);
  }
  std::vector<trace::ToolDef> out;
  out.reserve(routes_.size());
  for (const ToolRoute& r : routes_) {
    auto it = tools.find({r.server, r.tool});
    if (it == tools.end()) continue;
    const McpTool& t = *it->second;
    Json parameters = t.input_schema.is_object() && !t.input_schema.empty()
                          ? t.input_schema
                          : Json{{"type", "object"}, {"properties", Json::object()}};
    Json function = {{"name", r.function}, {"description", t.description}};
    function["parameters"] = std::move(parameters);
    out.push_back({.name = r.function,
                   .json = Json{{"type", "function"}, {"function", std::move(function)}}});
  }
  return out;
}

}  // namespace tracemill::mcp
