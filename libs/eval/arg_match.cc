#include "libs/eval/arg_match.h"

#include <cctype>

#include "libs/base/str_cat.h"

namespace tracemill::eval {
namespace {

bool IsIntegral(const Json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

bool MatchesOneType(std::string_view type, const Json& v) {
  if (type == "string") return v.is_string();
  if (type == "integer") return IsIntegral(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return true;  // an unknown type name constrains nothing
}

std::string Path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : base::StrCat(parent, ".", key);
}

const Json* Member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

ArgMatch Fail(std::string why) { return {false, std::move(why)}; }

ArgMatch MatchValue(const Json* schema, const Json& got, const Json& want, const std::string& path);

ArgMatch MatchObject(const Json* schema, const Json& got, const Json& want, const std::string& path) {
  const std::string at = path.empty() ? "arguments" : path;
  if (!got.is_object()) return Fail(base::StrCat(at, ": expected an object, got ", base::JsonTypeName(got)));
  const Json* props = schema != nullptr ? Member(*schema, "properties") : nullptr;
  if (props != nullptr && !props->is_object()) props = nullptr;
  if (schema == nullptr || props == nullptr) {
    // No declared properties: structural equality.
    if (!want.is_object()) return Fail(base::StrCat(at, ": the reference is not an object"));
    if (got.size() != want.size()) {
      return Fail(base::StrCat(at, ": ", got.size(), " keys, the reference has ", want.size()));
    }
    for (const auto& [key, value] : want.items()) {
      const Json* g = Member(got, key);
      if (g == nullptr) return Fail(base::StrCat(Path(path, key), ": missing"));
      ArgMatch m = MatchValue(nullptr, *g, value, Path(path, key));
      if (!m.ok) return m;
    }
    return {true, ""};
  }
  if (const Json* required = Member(*schema, "required"); required != nullptr && required->is_array()) {
    for (const Json& key : *required) {
      if (key.is_string() && Member(got, key.get<std::string>()) == nullptr) {
        return Fail(base::StrCat(Path(path, key.get<std::string>()), ": required parameter missing"));
      }
    }
  }
  for (const auto& [key, value] : got.items()) {
    const Json* prop = Member(*props, key);
    if (prop == nullptr) return Fail(base::StrCat(Path(path, key), ": not a parameter of the tool"));
    if (const Json* type = Member(*prop, "type"); type != nullptr && !MatchesSchemaType(*type, value)) {
      return Fail(base::StrCat(Path(path, key), ": type ", base::JsonTypeName(value), " does not match the schema's ",
                               type->dump()));
    }
  }
  if (!want.is_object()) return Fail(base::StrCat(at, ": the reference is not an object"));
  for (const auto& [key, value] : want.items()) {
    const Json* prop = Member(*props, key);
    const Json* g = Member(got, key);
    if (g == nullptr) {
      const Json* def = prop != nullptr ? Member(*prop, "default") : nullptr;
      if (def != nullptr && ValuesMatch(*def, value)) continue;
      return Fail(base::StrCat(Path(path, key), ": missing (the reference gives it)"));
    }
    ArgMatch m = MatchValue(prop, *g, value, Path(path, key));
    if (!m.ok) return m;
  }
  return {true, ""};
}

ArgMatch MatchValue(const Json* schema, const Json& got, const Json& want, const std::string& path) {
  if (schema != nullptr && !schema->is_object()) schema = nullptr;
  if (schema != nullptr) {
    if (const Json* type = Member(*schema, "type"); type != nullptr && !MatchesSchemaType(*type, got)) {
      return Fail(base::StrCat(path, ": type ", base::JsonTypeName(got), " does not match the schema's ", type->dump()));
    }
  }
  if (got.is_object() || want.is_object()) return MatchObject(schema, got, want, path);
  if (got.is_array() || want.is_array()) {
    if (!got.is_array() || !want.is_array()) return Fail(base::StrCat(path, ": array and non-array"));
    if (got.size() != want.size()) {
      return Fail(base::StrCat(path, ": ", got.size(), " elements, the reference has ", want.size()));
    }
    const Json* items = schema != nullptr ? Member(*schema, "items") : nullptr;
    for (size_t i = 0; i < got.size(); ++i) {
      ArgMatch m = MatchValue(items, got[i], want[i], base::StrCat(path, "[", i, "]"));
      if (!m.ok) return m;
    }
    return {true, ""};
  }
  if (!ValuesMatch(got, want)) {
    return Fail(base::StrCat(path, ": value differs from the reference"));
  }
  return {true, ""};
}

}  // namespace

std::string NormalizeArgString(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string out(s.substr(b, e - b));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool MatchesSchemaType(const Json& type, const Json& value) {
  if (type.is_string()) return MatchesOneType(type.get<std::string>(), value);
  if (type.is_array()) {
    for (const Json& t : type) {
      if (t.is_string() && MatchesOneType(t.get<std::string>(), value)) return true;
    }
    return type.empty();
  }
  return true;
}

bool ValuesMatch(const Json& got, const Json& want) {
  if (got.is_number() && want.is_number()) {
    if (IsIntegral(got) && IsIntegral(want)) {
      if (got.is_number_unsigned() || want.is_number_unsigned()) {
        return got.dump() == want.dump();
      }
      return got.get<int64_t>() == want.get<int64_t>();
    }
    return got.get<double>() == want.get<double>();
  }
  if (got.is_string() && want.is_string()) {
    return NormalizeArgString(got.get<std::string>()) == NormalizeArgString(want.get<std::string>());
  }
  if (got.is_array() && want.is_array()) {
    if (got.size() != want.size()) return false;
    for (size_t i = 0; i < got.size(); ++i) {
      if (!ValuesMatch(got[i], want[i])) return false;
    }
    return true;
  }
  if (got.is_object() && want.is_object()) {
    if (got.size() != want.size()) return false;
    for (const auto& [key, value] : want.items()) {
      auto it = got.find(key);
      if (it == got.end() || !ValuesMatch(*it, value)) return false;
    }
    return true;
  }
  return got.type() == want.type() && got == want;
}

ArgMatch MatchArguments(const Json* schema, const Json& got, const Json& want) {
  if (!got.is_object()) return Fail(base::StrCat("arguments: not a JSON object but ", base::JsonTypeName(got)));
  return MatchObject(schema, got, want, "");
}

}  // namespace tracemill::eval
