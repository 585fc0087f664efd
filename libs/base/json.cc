#include "libs/base/json.h"

#include <algorithm>
#include <vector>

#include "libs/base/str_cat.h"

namespace tracemill::base {

absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view where) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // nlohmann's what() reads "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error ..."; keep the part after the bracketed tag.
    std::string_view what = e.what();
    auto pos = what.find("] ");
    if (pos != std::string_view::npos) what.remove_prefix(pos + 2);
    return absl::InvalidArgumentError(base::StrCat(where, ": malformed JSON: ", what));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(where, ": malformed JSON: ", e.what()));
  }
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string DumpJsonPretty(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

namespace {

void AppendCanonical(const Json& value, std::string* out) {
  if (value.is_object()) {
    std::vector<const std::string*> keys;
    keys.reserve(value.size());
    for (auto it = value.begin(); it != value.end(); ++it) keys.push_back(&it.key());
    std::sort(keys.begin(), keys.end(),
              [](const std::string* a, const std::string* b) { return *a < *b; });
    out->push_back('{');
    bool first = true;
    for (const std::string* key : keys) {
      if (!first) out->push_back(',');
      first = false;
      out->append(Json(*key).dump(-1, ' ', false, Json::error_handler_t::replace));
      out->push_back(':');
      AppendCanonical(value.at(*key), out);
    }
    out->push_back('}');
  } else if (value.is_array()) {
    out->push_back('[');
    bool first = true;
    for (const Json& item : value) {
      if (!first) out->push_back(',');
      first = false;
      AppendCanonical(item, out);
    }
    out->push_back(']');
  } else {
    out->append(value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

}  // namespace

std::string CanonicalJson(const Json& value) {
  std::string out;
  AppendCanonical(value, &out);
  return out;
}

const char* JsonTypeName(const Json& value) { return value.type_name(); }

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
      return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace tracemill::base
