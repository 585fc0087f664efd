#include "libs/base/json.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <vector>

#include "libs/base/str_cat.h"
#include "simdjson.h"

namespace tracemill::base {

namespace {

// simdjson's DOM converted to ordered_json keeps document key order; a repeated key keeps
// its first position and its last value, as nlohmann's own parser does.
Json FromSimd(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      Json out = Json::object();
      for (simdjson::dom::key_value_pair field : simdjson::dom::object(e)) {
        out[std::string(field.key)] = FromSimd(field.value);
      }
      return out;
    }
    case simdjson::dom::element_type::ARRAY: {
      Json out = Json::array();
      simdjson::dom::array array(e);
      out.get_ref<Json::array_t&>().reserve(array.size());
      for (simdjson::dom::element item : array) out.push_back(FromSimd(item));
      return out;
    }
    case simdjson::dom::element_type::STRING:
      return Json(std::string(std::string_view(e)));
    case simdjson::dom::element_type::INT64:
      return Json(int64_t(e));
    case simdjson::dom::element_type::UINT64:
      return Json(uint64_t(e));
    case simdjson::dom::element_type::DOUBLE:
      return Json(double(e));
    case simdjson::dom::element_type::BOOL:
      return Json(bool(e));
    case simdjson::dom::element_type::NULL_VALUE:
      return Json(nullptr);
  }
  return Json();
}

}  // namespace

absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view where) {
  // simdjson parses (and validates UTF-8) several times faster than nlohmann; nlohmann
  // runs only when simdjson rejects the text, to give the line/column it reports.
  // The parser keeps buffers sized to the largest document it has seen: reuse one per
  // thread for ordinary records, and a temporary one for very large documents.
  thread_local simdjson::dom::parser shared_parser;
  std::unique_ptr<simdjson::dom::parser> own_parser;
  if (text.size() > (size_t{64} << 20)) own_parser = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::parser& parser = own_parser ? *own_parser : shared_parser;
  simdjson::dom::element root;
  simdjson::error_code error = parser.parse(text.data(), text.size()).get(root);
  if (error == simdjson::SUCCESS) return FromSimd(root);
  if (error == simdjson::DEPTH_ERROR) {
    return absl::InvalidArgumentError(base::StrCat(where, ": malformed JSON: nested deeper than ",
                                                   parser.max_depth(), " levels"));
  }
  // simdjson refused the text. nlohmann either explains where it breaks, or accepts it
  // (e.g. integers over 64 bits, which become doubles); either way with the same depth
  // limit, since deeper values would overflow the stack of recursive consumers.
  const size_t max_depth = parser.max_depth();
  auto depth_guard = [max_depth](int depth, Json::parse_event_t, Json&) {
    if (static_cast<size_t>(depth) > max_depth) throw std::length_error("too deep");
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), depth_guard);
  } catch (const Json::parse_error& e) {
    // nlohmann's what() reads "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error ...; last read: '<input>'". Keep the position and reason,
    // never the input bytes: they may hold a secret or a megabyte of tool output.
    std::string_view what = e.what();
    auto pos = what.find("] ");
    if (pos != std::string_view::npos) what.remove_prefix(pos + 2);
    auto last_read = what.find("; last read");
    if (last_read != std::string_view::npos) what = what.substr(0, last_read);
    return absl::InvalidArgumentError(base::StrCat(where, ": malformed JSON: ", what));
  } catch (const std::length_error&) {
    return absl::InvalidArgumentError(
        base::StrCat(where, ": malformed JSON: nested deeper than ", max_depth, " levels"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(where, ": malformed JSON: ", e.what()));
  }
}

void AppendJsonString(std::string* out, std::string_view text) {
  if (!IsValidUtf8(text)) {
    out->append(Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace));
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (p < end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\') ++p;
    out->append(run, p);
    if (p == end) break;
    unsigned char c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->push_back('"');
}

void AppendJson(std::string* out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(out, it.key());
        out->push_back(':');
        AppendJson(out, *it);
      }
      out->push_back('}');
      break;
    }
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const Json& item : value) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(out, item);
      }
      out->push_back(']');
      break;
    }
    case Json::value_t::string:
      AppendJsonString(out, value.get_ref<const std::string&>());
      break;
    case Json::value_t::null:
      out->append("null");
      break;
    case Json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: {
      char buf[24];
      auto res = value.is_number_unsigned()
                     ? std::to_chars(buf, buf + sizeof(buf), value.get<uint64_t>())
                     : std::to_chars(buf, buf + sizeof(buf), value.get<int64_t>());
      out->append(buf, res.ptr);
      break;
    }
    default:  // floats (nlohmann's shortest round-trip format), binary, discarded
      out->append(value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

std::string DumpJson(const Json& value) {
  std::string out;
  AppendJson(&out, value);
  return out;
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
      AppendJsonString(out, *key);
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
    AppendJson(out, value);
  }
}

}  // namespace

std::string CanonicalJson(const Json& value) {
  std::string out;
  AppendCanonical(value, &out);
  return out;
}

const char* JsonTypeName(const Json& value) { return value.type_name(); }

}  // namespace tracemill::base
