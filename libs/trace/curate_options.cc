#include "libs/trace/curate_options.h"

#include <charconv>
#include <filesystem>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace tracemill::trace {
namespace {

std::string At(std::string_view where, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return std::string(where);
  return base::StrCat(where, ":", mark.line + 1, ":", mark.column + 1);
}

absl::Status Bad(std::string_view where, const YAML::Node& node, std::string_view what) {
  return absl::InvalidArgumentError(base::StrCat(At(where, node), ": ", what));
}

absl::Status GetBool(std::string_view where, const YAML::Node& node, std::string_view key,
                     bool* out) {
  if (!node.IsScalar()) return Bad(where, node, base::StrCat(key, ": expected true or false"));
  const std::string& s = node.Scalar();
  if (s == "true" || s == "yes" || s == "on")
    *out = true;
  else if (s == "false" || s == "no" || s == "off")
    *out = false;
  else
    return Bad(where, node, base::StrCat(key, ": expected true or false, got \"", s, "\""));
  return absl::OkStatus();
}

absl::Status GetString(std::string_view where, const YAML::Node& node, std::string_view key,
                       std::string* out) {
  if (!node.IsScalar()) return Bad(where, node, base::StrCat(key, ": expected a string"));
  *out = node.Scalar();
  return absl::OkStatus();
}

absl::Status GetStrings(std::string_view where, const YAML::Node& node, std::string_view key,
                        std::vector<std::string>* out) {
  if (node.IsScalar()) {
    out->push_back(node.Scalar());
    return absl::OkStatus();
  }
  if (!node.IsSequence())
    return Bad(where, node, base::StrCat(key, ": expected a list of strings"));
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return Bad(where, item, base::StrCat(key, ": expected a string"));
    out->push_back(item.Scalar());
  }
  return absl::OkStatus();
}

absl::Status GetSize(std::string_view where, const YAML::Node& node, std::string_view key,
                     size_t* out) {
  if (!node.IsScalar()) return Bad(where, node, base::StrCat(key, ": expected a number"));
  const std::string& s = node.Scalar();
  size_t value = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), value);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
    return Bad(where, node,
               base::StrCat(key, ": expected a non-negative integer, got \"", s, "\""));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status GetRefs(std::string_view where, const YAML::Node& node, std::string_view key,
                     std::vector<MessageRef>* out) {
  std::vector<std::string> texts;
  TM_RETURN_IF_ERROR(GetStrings(where, node, key, &texts));
  for (const std::string& text : texts) {
    auto ref = ParseMessageRef(text);
    if (!ref.ok())
      return Bad(where, node, base::StrCat(key, ": ", std::string(ref.status().message())));
    out->push_back(*ref);
  }
  return absl::OkStatus();
}

absl::Status ParseGates(std::string_view where, const YAML::Node& gates, CurateOptions* o) {
  if (!gates.IsMap()) return Bad(where, gates, "gates: expected a mapping");
  for (const auto& kv : gates) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "check_schema") {
      TM_RETURN_IF_ERROR(GetBool(where, v, key, &o->gates.check_schema));
    } else if (key == "drop_on") {
      std::vector<std::string> names;
      TM_RETURN_IF_ERROR(GetStrings(where, v, key, &names));
      o->drop_on.clear();
      for (const std::string& name : names) {
        if (name == "none") continue;
        Gate gate;
        if (!ParseGateName(name, &gate)) {
          return Bad(where, v,
                     base::StrCat("drop_on: unknown gate \"", name,
                                  "\" (structure, format, execution, outcome, none)"));
        }
        o->drop_on.insert(gate);
      }
    } else if (key == "on_tool_error") {
      std::string policy;
      TM_RETURN_IF_ERROR(GetString(where, v, key, &policy));
      if (policy == "keep")
        o->on_tool_error = ToolErrorPolicy::kKeep;
      else if (policy == "drop")
        o->on_tool_error = ToolErrorPolicy::kDrop;
      else
        return Bad(where, v,
                   base::StrCat("on_tool_error: expected keep or drop, got \"", policy, "\""));
    } else {
      return Bad(where, kv.first, base::StrCat("gates: unknown key \"", key, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseEdits(std::string_view where, const YAML::Node& edits, const std::string& dir,
                        CurateOptions* o) {
  if (!edits.IsMap()) return Bad(where, edits, "edits: expected a mapping");
  for (const auto& kv : edits) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "drop_guidance") {
      TM_RETURN_IF_ERROR(GetBool(where, v, key, &o->drop_guidance));
    } else if (key == "guidance_texts") {
      TM_RETURN_IF_ERROR(GetStrings(where, v, key, &o->guidance_texts));
    } else if (key == "guidance_files") {
      std::vector<std::string> files;
      TM_RETURN_IF_ERROR(GetStrings(where, v, key, &files));
      for (const std::string& f : files) {
        std::string path = std::filesystem::path(f).is_absolute() ? f : dir + "/" + f;
        auto text = base::ReadFile(path);
        if (!text.ok())
          return Bad(where, v,
                     base::StrCat("guidance_files: ", std::string(text.status().message())));
        o->guidance_texts.push_back(std::move(*text));
      }
    } else if (key == "delete_messages") {
      TM_RETURN_IF_ERROR(GetRefs(where, v, key, &o->delete_messages));
    } else if (key == "delete_user_turns") {
      TM_RETURN_IF_ERROR(GetRefs(where, v, key, &o->delete_user_turns));
    } else if (key == "merge_user_turns") {
      TM_RETURN_IF_ERROR(GetBool(where, v, key, &o->merge_user_turns));
    } else if (key == "drop_reasoning") {
      TM_RETURN_IF_ERROR(GetBool(where, v, key, &o->drop_reasoning));
    } else if (key == "merge_separator") {
      TM_RETURN_IF_ERROR(GetString(where, v, key, &o->merge_separator));
    } else if (key == "truncate_tool_results") {
      TM_RETURN_IF_ERROR(GetSize(where, v, key, &o->truncate_tool_results));
    } else if (key == "truncate_tool_results_tokens") {
      TM_RETURN_IF_ERROR(GetSize(where, v, key, &o->truncate_tool_results_tokens));
    } else if (key == "redact") {
      TM_RETURN_IF_ERROR(GetBool(where, v, key, &o->redact));
    } else if (key == "redact_emails") {
      TM_RETURN_IF_ERROR(GetBool(where, v, key, &o->redact_options.emails));
    } else {
      return Bad(where, kv.first, base::StrCat("edits: unknown key \"", key, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseTokens(std::string_view where, const YAML::Node& tokens, CurateOptions* o) {
  if (!tokens.IsMap()) return Bad(where, tokens, "tokens: expected a mapping");
  for (const auto& kv : tokens) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "max_tokens") {
      TM_RETURN_IF_ERROR(GetSize(where, v, key, &o->max_tokens));
    } else if (key == "over_max_tokens") {
      std::string policy;
      TM_RETURN_IF_ERROR(GetString(where, v, key, &policy));
      if (policy != "drop" && policy != "report") {
        return Bad(where, v, "over_max_tokens: expected drop or report");
      }
      o->drop_over_max_tokens = policy == "drop";
    } else {
      return Bad(where, kv.first,
                 base::StrCat("tokens: unknown key \"", key,
                              "\" (expected max_tokens, over_max_tokens)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool ParseGateName(std::string_view name, Gate* gate) {
  for (Gate g : {Gate::kStructure, Gate::kFormat, Gate::kExecution, Gate::kOutcome}) {
    if (GateName(g) == name) {
      *gate = g;
      return true;
    }
  }
  return false;
}

absl::StatusOr<MessageRef> ParseMessageRef(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(
        base::StrCat("expected <trace id>:<index>, got \"", text, "\""));
  }
  MessageRef ref;
  ref.trace_id = std::string(text.substr(0, colon));
  std::string_view num = text.substr(colon + 1);
  auto res = std::from_chars(num.data(), num.data() + num.size(), ref.index);
  if (res.ec != std::errc() || res.ptr != num.data() + num.size() || ref.index < 0) {
    return absl::InvalidArgumentError(
        base::StrCat("expected a non-negative index after ':' in \"", text, "\""));
  }
  return ref;
}

absl::StatusOr<CurateOptions> ParseCurateRules(std::string_view yaml, std::string_view where,
                                               const std::string& dir, const CurateOptions& base) {
  CurateOptions o = base;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(base::StrCat(where, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": malformed YAML: ", e.msg));
  }
  if (root.IsNull()) return o;
  if (!root.IsMap()) return Bad(where, root, "expected a mapping at the top level");
  try {
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      if (key == "gates") {
        TM_RETURN_IF_ERROR(ParseGates(where, kv.second, &o));
      } else if (key == "edits") {
        TM_RETURN_IF_ERROR(ParseEdits(where, kv.second, dir, &o));
      } else if (key == "dedupe") {
        TM_RETURN_IF_ERROR(GetBool(where, kv.second, key, &o.dedupe));
      } else if (key == "tokens") {
        TM_RETURN_IF_ERROR(ParseTokens(where, kv.second, &o));
      } else {
        return Bad(where, kv.first,
                   base::StrCat("unknown key \"", key,
                                "\" (expected gates, edits, dedupe, tokens)"));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(base::StrCat(where, ":", e.mark.line + 1, ": ", e.msg));
  }
  return o;
}

absl::StatusOr<CurateOptions> LoadCurateRules(const std::string& path, const CurateOptions& base) {
  TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseCurateRules(text, path, dir.empty() ? "." : dir, base);
}

}  // namespace tracemill::trace
