#include "libs/text/jinja_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "absl/status/status.h"
#include "libs/base/str_cat.h"

namespace tracemill::text {

Value Value::Undefined(std::string name) {
  Value v;
  v.data_ = std::move(name);
  return v;
}

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.data_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.data_ = i;
  return v;
}

Value Value::Float(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.data_ = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.data_ = std::move(s);
  return v;
}

Value Value::MakeList(List items) {
  Value v;
  v.kind_ = Kind::kList;
  v.data_ = std::make_shared<List>(std::move(items));
  return v;
}

Value Value::MakeTuple(List items) {
  Value v = MakeList(std::move(items));
  v.is_tuple_ = true;
  return v;
}

Value Value::MakeDict(Dict items) {
  Value v;
  v.kind_ = Kind::kDict;
  v.data_ = std::make_shared<Dict>(std::move(items));
  return v;
}

Value Value::Namespace(Dict items) {
  Value v = MakeDict(std::move(items));
  v.is_namespace_ = true;
  return v;
}

Value Value::Callable(NativeFunction fn) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.data_ = std::make_shared<NativeFunction>(std::move(fn));
  return v;
}

Value Value::FromJson(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null:
      return None();
    case Json::value_t::boolean:
      return Bool(json.get<bool>());
    case Json::value_t::number_integer:
      return Int(json.get<int64_t>());
    case Json::value_t::number_unsigned: {
      uint64_t u = json.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Float(static_cast<double>(u));
      }
      return Int(static_cast<int64_t>(u));
    }
    case Json::value_t::number_float:
      return Float(json.get<double>());
    case Json::value_t::string:
      return String(json.get<std::string>());
    case Json::value_t::array: {
      List items;
      items.reserve(json.size());
      for (const Json& item : json) items.push_back(FromJson(item));
      return MakeList(std::move(items));
    }
    case Json::value_t::object: {
      Dict items;
      items.reserve(json.size());
      for (auto it = json.begin(); it != json.end(); ++it) {
        items.emplace_back(it.key(), FromJson(it.value()));
      }
      return MakeDict(std::move(items));
    }
    default:
      return None();
  }
}

double Value::AsDouble() const {
  switch (kind_) {
    case Kind::kBool:
      return bool_value() ? 1 : 0;
    case Kind::kInt:
      return static_cast<double>(int_value());
    case Kind::kFloat:
      return float_value();
    default:
      return 0;
  }
}

const Value* Value::Find(std::string_view key) const {
  for (const auto& [k, v] : dict()) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Value::Set(std::string_view key, Value value) {
  for (auto& [k, v] : mutable_dict()) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  mutable_dict().emplace_back(std::string(key), std::move(value));
}

bool Value::IsTruthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return bool_value();
    case Kind::kInt:
      return int_value() != 0;
    case Kind::kFloat:
      return float_value() != 0;
    case Kind::kString:
      return !string_value().empty();
    case Kind::kList:
      return !list().empty();
    case Kind::kDict:
      return is_namespace_ || !dict().empty();
    case Kind::kCallable:
      return true;
  }
  return false;
}

std::string FormatPythonFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.2345e+02"
  size_t e = sci.find('e');
  int exponent = std::stoi(sci.substr(e + 1));
  std::string mantissa = sci.substr(0, e);
  bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exp_buf;
  } else if (exponent < 0) {
    out += "0." + std::string(-exponent - 1, '0') + digits;
  } else if (static_cast<int>(digits.size()) <= exponent + 1) {
    out += digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
  }
  return out;
}

namespace {

void AppendPythonRepr(std::string* out, const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  out->push_back(quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
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
      default:
        if (c == quote) {
          out->push_back('\\');
          out->push_back(static_cast<char>(c));
        } else if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back(quote);
}

void AppendJsonString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
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
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendRepr(std::string* out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString:
      AppendPythonRepr(out, v.string_value());
      return;
    case Value::Kind::kList: {
      out->push_back(v.is_tuple() ? '(' : '[');
      bool first = true;
      for (const Value& item : v.list()) {
        if (!first) out->append(", ");
        first = false;
        AppendRepr(out, item);
      }
      if (v.is_tuple() && v.list().size() == 1) out->push_back(',');
      out->push_back(v.is_tuple() ? ')' : ']');
      return;
    }
    case Value::Kind::kDict: {
      if (v.is_namespace()) out->append("<Namespace ");
      out->push_back('{');
      bool first = true;
      for (const auto& [k, item] : v.dict()) {
        if (!first) out->append(", ");
        first = false;
        AppendPythonRepr(out, k);
        out->append(": ");
        AppendRepr(out, item);
      }
      out->push_back('}');
      if (v.is_namespace()) out->push_back('>');
      return;
    }
    case Value::Kind::kUndefined:
      out->append("Undefined");
      return;
    default:
      v.AppendStr(out);
  }
}

absl::Status AppendJson(std::string* out, const Value& v, int indent, int depth) {
  if (depth > 512) return absl::InvalidArgumentError("tojson: value nested too deeply");
  auto newline = [&](int level) {
    out->push_back('\n');
    out->append(static_cast<size_t>(indent) * level, ' ');
  };
  const char* item_sep = indent >= 0 ? "," : ", ";
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return absl::InvalidArgumentError(
          "tojson: Object of type Undefined is not JSON serializable");
    case Value::Kind::kCallable:
      return absl::InvalidArgumentError("tojson: a function is not JSON serializable");
    case Value::Kind::kNone:
      out->append("null");
      return absl::OkStatus();
    case Value::Kind::kBool:
      out->append(v.bool_value() ? "true" : "false");
      return absl::OkStatus();
    case Value::Kind::kInt:
      base::StrAppend(out, v.int_value());
      return absl::OkStatus();
    case Value::Kind::kFloat: {
      double d = v.float_value();
      if (std::isnan(d)) {
        out->append("NaN");
      } else if (std::isinf(d)) {
        out->append(d > 0 ? "Infinity" : "-Infinity");
      } else {
        out->append(FormatPythonFloat(d));
      }
      return absl::OkStatus();
    }
    case Value::Kind::kString:
      AppendJsonString(out, v.string_value());
      return absl::OkStatus();
    case Value::Kind::kList: {
      if (v.list().empty()) {
        out->append("[]");
        return absl::OkStatus();
      }
      out->push_back('[');
      bool first = true;
      for (const Value& item : v.list()) {
        if (!first) out->append(item_sep);
        first = false;
        if (indent >= 0) newline(depth + 1);
        if (auto s = AppendJson(out, item, indent, depth + 1); !s.ok()) return s;
      }
      if (indent >= 0) newline(depth);
      out->push_back(']');
      return absl::OkStatus();
    }
    case Value::Kind::kDict: {
      if (v.dict().empty()) {
        out->append("{}");
        return absl::OkStatus();
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [k, item] : v.dict()) {
        if (!first) out->append(item_sep);
        first = false;
        if (indent >= 0) newline(depth + 1);
        AppendJsonString(out, k);
        out->append(": ");
        if (auto s = AppendJson(out, item, indent, depth + 1); !s.ok()) return s;
      }
      if (indent >= 0) newline(depth);
      out->push_back('}');
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace

void Value::AppendStr(std::string* out) const {
  switch (kind_) {
    case Kind::kUndefined:
      return;
    case Kind::kNone:
      out->append("None");
      return;
    case Kind::kBool:
      out->append(bool_value() ? "True" : "False");
      return;
    case Kind::kInt:
      base::StrAppend(out, int_value());
      return;
    case Kind::kFloat:
      out->append(FormatPythonFloat(float_value()));
      return;
    case Kind::kString:
      out->append(string_value());
      return;
    case Kind::kCallable:
      out->append("<function>");
      return;
    case Kind::kList:
    case Kind::kDict:
      AppendRepr(out, *this);
      return;
  }
}

std::string Value::Str() const {
  std::string out;
  AppendStr(&out);
  return out;
}

std::string Value::Repr() const {
  std::string out;
  AppendRepr(&out, *this);
  return out;
}

const char* Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "undefined";
    case Kind::kNone:
      return "none";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return is_namespace_ ? "namespace" : "dict";
    case Kind::kCallable:
      return "function";
  }
  return "?";
}

absl::StatusOr<std::string> Value::ToJson(int indent) const {
  std::string out;
  if (auto s = AppendJson(&out, *this, indent, 0); !s.ok()) return s;
  return out;
}

bool operator==(const Value& a, const Value& b) {
  bool a_num = a.is_number() || a.is_bool();
  bool b_num = b.is_number() || b.is_bool();
  if (a_num && b_num) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) {
      auto as_int = [](const Value& v) {
        return v.is_bool() ? int64_t{v.bool_value()} : v.int_value();
      };
      return as_int(a) == as_int(b);
    }
    return a.AsDouble() == b.AsDouble();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kList:
      return a.list() == b.list();
    case Value::Kind::kDict: {
      if (a.dict().size() != b.dict().size()) return false;
      for (const auto& [k, v] : a.dict()) {
        const Value* other = b.Find(k);
        if (other == nullptr || !(*other == v)) return false;
      }
      return true;
    }
    case Value::Kind::kCallable:
      return &a.function() == &b.function();
    default:
      return false;
  }
}

}  // namespace tracemill::text
