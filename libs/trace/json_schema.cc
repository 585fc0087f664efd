#include "libs/trace/json_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "libs/base/str_cat.h"
#include "libs/base/utf8.h"

namespace tracemill::trace {
namespace {

using base::StrAppend;
using base::StrCat;

// Recursion guard: schema nesting plus value nesting. Tool arguments are shallow; this
// only stops pathological inputs from exhausting the stack.
constexpr int kMaxDepth = 256;
// libstdc++'s regex matcher recurses per input character; longer strings are not matched.
constexpr size_t kMaxPatternInput = 4096;
constexpr size_t kMaxRegexCache = 512;
// How much of a value or a schema list a message quotes.
constexpr size_t kMaxQuote = 120;
// How many failing alternatives an anyOf/oneOf message describes.
constexpr size_t kMaxAlternativesShown = 3;

enum Keyword {
  kUnknown = 0,
  kType,
  kNullable,
  kEnum,
  kConst,
  kRef,
  kRequired,
  kProperties,
  kPatternProperties,
  kAdditionalProperties,
  kMinProperties,
  kMaxProperties,
  kItems,
  kPrefixItems,
  kAdditionalItems,
  kContains,
  kMinContains,
  kMaxContains,
  kMinItems,
  kMaxItems,
  kUniqueItems,
  kMinLength,
  kMaxLength,
  kPattern,
  kMinimum,
  kMaximum,
  kExclusiveMinimum,
  kExclusiveMaximum,
  kMultipleOf,
  kAllOf,
  kAnyOf,
  kOneOf,
  kNot,
  kIf,
  kThen,
  kElse,
  kNumKeywords,
};

struct KeywordName {
  std::string_view name;
  Keyword keyword;
};

// Grouped by name length, so that a lookup compares few names.
constexpr KeywordName kKeywordNames[] = {
    {"if", kIf},
    {"not", kNot},
    {"type", kType},
    {"enum", kEnum},
    {"$ref", kRef},
    {"then", kThen},
    {"else", kElse},
    {"const", kConst},
    {"items", kItems},
    {"allOf", kAllOf},
    {"anyOf", kAnyOf},
    {"oneOf", kOneOf},
    {"pattern", kPattern},
    {"minimum", kMinimum},
    {"maximum", kMaximum},
    {"nullable", kNullable},
    {"required", kRequired},
    {"minItems", kMinItems},
    {"maxItems", kMaxItems},
    {"contains", kContains},
    {"minLength", kMinLength},
    {"maxLength", kMaxLength},
    {"properties", kProperties},
    {"multipleOf", kMultipleOf},
    {"prefixItems", kPrefixItems},
    {"uniqueItems", kUniqueItems},
    {"minContains", kMinContains},
    {"maxContains", kMaxContains},
    {"minProperties", kMinProperties},
    {"maxProperties", kMaxProperties},
    {"additionalItems", kAdditionalItems},
    {"exclusiveMinimum", kExclusiveMinimum},
    {"exclusiveMaximum", kExclusiveMaximum},
    {"patternProperties", kPatternProperties},
    {"additionalProperties", kAdditionalProperties},
};

Keyword LookupKeyword(const std::string& key) {
  for (const KeywordName& k : kKeywordNames) {
    if (k.name.size() > key.size()) break;
    if (k.name.size() == key.size() && k.name == key) return k.keyword;
  }
  return kUnknown;
}

// ---- JSON helpers ----

long double NumberValue(const Json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<int64_t>());
  return static_cast<long double>(v.get<double>());
}

// A number keyword (minimum, multipleOf, ...) that is present and usable; NaN and
// infinities (which JSON text cannot hold, but a Json value can) are malformed.
bool IsFiniteNumber(const Json* k) {
  return k != nullptr && k->is_number() && std::isfinite(NumberValue(*k));
}

bool IsWholeNumber(const Json& v) {
  if (v.is_number_integer()) return true;  // also unsigned
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

// JSON equality: numbers by value, objects regardless of key order (ordered_json's
// operator== compares key order too).
bool JsonEqual(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return NumberValue(a) == NumberValue(b);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!JsonEqual(a[i], b[i])) return false;
      }
      return true;
    }
    case Json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto other = b.find(it.key());
        if (other == b.end() || !JsonEqual(*it, *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

// A hash consistent with JsonEqual.
size_t JsonHash(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return 0x9e3779b9u;
    case Json::value_t::boolean:
      return v.get<bool>() ? 0x51ed27u : 0x2545f4u;
    case Json::value_t::string:
      return std::hash<std::string>()(v.get_ref<const std::string&>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: {
      long double x = NumberValue(v);
      if (x == 0) x = 0;  // -0.0 == 0.0
      return std::hash<long double>()(x);
    }
    case Json::value_t::array: {
      size_t h = 0xa5a5a5a5u;
      for (const Json& item : v) h = h * 1000003u ^ JsonHash(item);
      return h;
    }
    case Json::value_t::object: {
      size_t h = 0x5a5a5a5au;
      // Order-insensitive: a sum of per-member hashes.
      for (auto it = v.begin(); it != v.end(); ++it) {
        h += std::hash<std::string>()(it.key()) * 31u ^ JsonHash(*it);
      }
      return h;
    }
    default:
      return 0;
  }
}

// The value as JSON text for a message, shortened to about kMaxQuote bytes.
std::string Quote(const Json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() > kMaxQuote) {
      return StrCat(base::DumpJson(Json(std::string(base::CutUtf8(s, kMaxQuote)))), "...");
    }
    return base::DumpJson(v);
  }
  std::string text = base::DumpJson(v);
  if (text.size() > kMaxQuote) {
    text.resize(base::CutUtf8(text, kMaxQuote).size());
    text += "...";
  }
  return text;
}

std::string QuoteKey(const std::string& key) { return Quote(Json(key)); }

std::string_view Plural(uint64_t n, std::string_view one, std::string_view many) {
  return n == 1 ? one : many;
}

// A count keyword (minLength, maxItems, ...): a non-negative whole number, or nullopt if
// malformed. Larger values than uint64 holds are clamped to UINT64_MAX, which no count of
// a real value reaches, so comparisons stay exact.
std::optional<uint64_t> CountKeyword(const Json& k) {
  if (k.is_number_unsigned()) return k.get<uint64_t>();
  if (k.is_number_integer()) {
    const int64_t n = k.get<int64_t>();
    if (n < 0) return std::nullopt;
    return static_cast<uint64_t>(n);
  }
  if (!k.is_number_float()) return std::nullopt;
  const double d = k.get<double>();
  if (!std::isfinite(d) || d < 0 || std::floor(d) != d) return std::nullopt;
  if (d >= 0x1p64) return UINT64_MAX;
  return static_cast<uint64_t>(d);
}

// A count keyword's value for a message: as the schema wrote it when it was clamped.
std::string CountText(const Json& k, uint64_t n) {
  return n == UINT64_MAX ? base::DumpJson(k) : StrCat(n);
}

// ---- types ----

constexpr unsigned kNullBit = 1;
constexpr unsigned kBooleanBit = 2;
constexpr unsigned kObjectBit = 4;
constexpr unsigned kArrayBit = 8;
constexpr unsigned kNumberBit = 16;
constexpr unsigned kIntegerBit = 32;
constexpr unsigned kStringBit = 64;

unsigned TypeBitOf(const std::string& name) {
  switch (name.size()) {
    case 4:
      return name == "null" ? kNullBit : 0u;
    case 5:
      return name == "array" ? kArrayBit : 0u;
    case 6:
      if (name == "object") return kObjectBit;
      if (name == "number") return kNumberBit;
      if (name == "string") return kStringBit;
      return 0;
    case 7:
      if (name == "boolean") return kBooleanBit;
      if (name == "integer") return kIntegerBit;
      return 0;
    default:
      return 0;
  }
}

unsigned ValueTypeBits(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return kNullBit;
    case Json::value_t::boolean:
      return kBooleanBit;
    case Json::value_t::object:
      return kObjectBit;
    case Json::value_t::array:
      return kArrayBit;
    case Json::value_t::string:
      return kStringBit;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return kNumberBit | kIntegerBit;
    case Json::value_t::number_float:
      return IsWholeNumber(v) ? (kNumberBit | kIntegerBit) : kNumberBit;
    default:
      return 0;
  }
}

// The type mask a `type` keyword allows, or 0 if the keyword is malformed or names a type
// this validator does not know (then the keyword is ignored).
unsigned AllowedTypes(const Json& type, std::string* names) {
  if (type.is_string()) {
    *names = type.get<std::string>();
    return TypeBitOf(*names);
  }
  if (!type.is_array() || type.empty()) return 0;
  unsigned mask = 0;
  for (const Json& t : type) {
    if (!t.is_string()) return 0;
    unsigned bit = TypeBitOf(t.get_ref<const std::string&>());
    if (bit == 0) return 0;
    mask |= bit;
    if (!names->empty()) *names += " or ";
    *names += t.get_ref<const std::string&>();
  }
  return mask;
}

// ---- regex cache ----

// Compiled patterns, per thread. A null entry marks a pattern that does not compile.
const std::regex* CompiledPattern(const std::string& pattern) {
  thread_local std::unordered_map<std::string, std::unique_ptr<std::regex>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  if (cache.size() >= kMaxRegexCache) cache.clear();
  std::unique_ptr<std::regex> re;
  try {
    re = std::make_unique<std::regex>(pattern, std::regex::ECMAScript);
  } catch (...) {
    re = nullptr;
  }
  return cache.emplace(pattern, std::move(re)).first->second.get();
}

enum class Match { kYes, kNo, kUnknown };

Match PatternMatches(const std::string& pattern, const std::string& text) {
  if (text.size() > kMaxPatternInput) return Match::kUnknown;
  const std::regex* re = CompiledPattern(pattern);
  if (re == nullptr) return Match::kUnknown;
  try {
    return std::regex_search(text, *re) ? Match::kYes : Match::kNo;
  } catch (...) {
    return Match::kUnknown;
  }
}

// ---- JSON pointer ----

std::string UnescapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    if (c == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[i + 1] == '0' ? '~' : '/');
      ++i;
    } else if (c == '%' && i + 2 < token.size() &&
               std::isxdigit(static_cast<unsigned char>(token[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(token[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(token.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Resolves a local reference ("#", "#/$defs/X") against `root`; nullptr if it is not
// local or does not resolve.
const Json* ResolveRef(const Json& root, const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  std::string_view rest = std::string_view(ref).substr(1);
  const Json* node = &root;
  if (rest.empty()) return node;
  if (rest[0] != '/') return nullptr;  // anchors ("#foo") are not supported
  rest.remove_prefix(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string token = UnescapePointerToken(rest.substr(0, slash));
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 9 ||
          !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return nullptr;
      }
      size_t index = std::stoul(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (slash == std::string_view::npos) return node;
    rest.remove_prefix(slash + 1);
  }
}

bool IsIdentifier(const std::string& key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// ---- validation ----

// Collects violations. A counting sink (no output vector) stops at the first violation.
class Sink {
 public:
  Sink(std::vector<SchemaViolation>* out, size_t limit) : out_(out), limit_(limit) {}
  static Sink Counting() { return Sink(nullptr, 1); }

  bool full() const { return limit_ != 0 && count_ >= limit_; }
  size_t count() const { return count_; }
  bool counting() const { return out_ == nullptr; }
  void Add(const std::string& path, std::string message) {
    ++count_;
    if (out_ != nullptr) out_->push_back({path, std::move(message)});
  }

 private:
  std::vector<SchemaViolation>* out_;
  size_t limit_;
  size_t count_ = 0;
};

class Validator {
 public:
  explicit Validator(const Json& root) : root_(root), path_("$") {}

  // Checks `value` against `schema`, adding violations to `sink` until it is full.
  // Returns true if none were added. Once the work budget is spent, returns true at once.
  bool Validate(const Json& schema, const Json& value, Sink& sink);

  // True once the work budget (kMaxSchemaWork) ran out: the result is then meaningless.
  bool exhausted() const { return exhausted_; }

 private:
  // Appends a path segment for its lifetime.
  class PathScope {
   public:
    PathScope(std::string* path, const std::string& key) : path_(path), size_(path->size()) {
      if (IsIdentifier(key)) {
        StrAppend(path, ".", key);
      } else {
        StrAppend(path, "[", base::DumpJson(Json(key)), "]");
      }
    }
    PathScope(std::string* path, size_t index) : path_(path), size_(path->size()) {
      StrAppend(path, "[", index, "]");
    }
    ~PathScope() { path_->resize(size_); }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    std::string* path_;
    size_t size_;
  };

  void Report(Sink& sink, std::string message) { sink.Add(path_, std::move(message)); }

  // Spends `units` of the work budget; false (and exhausted() from then on) when it does
  // not cover them.
  bool Charge(size_t units) {
    if (exhausted_ || units > work_left_) {
      exhausted_ = true;
      return false;
    }
    work_left_ -= units;
    return true;
  }

  // True when validation should stop: the sink is full or the budget spent.
  bool Done(const Sink& sink) const { return exhausted_ || sink.full(); }

  // True if `value` satisfies `schema`; adds nothing anywhere.
  bool Satisfies(const Json& schema, const Json& value) {
    Sink probe = Sink::Counting();
    return Validate(schema, value, probe);
  }

  // The first violation of `value` against `schema`, as "message" when it is at the
  // current path and "path: message" when deeper.
  std::string FirstViolation(const Json& schema, const Json& value) {
    std::vector<SchemaViolation> found;
    Sink one(&found, 1);
    Validate(schema, value, one);
    if (found.empty()) return "";
    if (found[0].path == path_) return std::move(found[0].message);
    return found[0].ToString();
  }

  std::string DescribeAlternatives(const Json& alternatives, const Json& value);

  bool ValidateRef(const Json& ref, const Json& value, Sink& sink);
  void ValidateObject(const Json* const* kw, const Json& value, Sink& sink);
  void ValidateArray(const Json* const* kw, const Json& value, Sink& sink);
  void ValidateString(const Json* const* kw, const Json& value, Sink& sink);
  void ValidateNumber(const Json* const* kw, const Json& value, Sink& sink);
  void ValidateCombinators(const Json* const* kw, const Json& value, Sink& sink);

  const Json& root_;
  std::string path_;
  int depth_ = 0;
  size_t work_left_ = kMaxSchemaWork;
  bool exhausted_ = false;
  // ($ref target, value) pairs being validated, to cut cycles that do not descend.
  std::vector<std::pair<const Json*, const Json*>> ref_stack_;
};

bool Validator::Validate(const Json& schema, const Json& value, Sink& sink) {
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return true;
    Report(sink, "no value is allowed here (the schema is false)");
    return false;
  }
  if (!schema.is_object() || schema.empty()) return true;
  // Every member of the schema is looked up; that is the unit of work.
  if (!Charge(schema.size())) return true;
  const size_t before = sink.count();
  if (depth_ >= kMaxDepth) {
    Report(sink, "nested too deeply to validate");
    return false;
  }
  ++depth_;
  struct DepthGuard {
    int* depth;
    ~DepthGuard() { --*depth; }
  } guard{&depth_};

  const Json* kw[kNumKeywords] = {};
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    Keyword k = LookupKeyword(it.key());
    if (k != kUnknown) kw[k] = &*it;
  }

  if (kw[kNullable] != nullptr && kw[kNullable]->is_boolean() && kw[kNullable]->get<bool>() &&
      value.is_null()) {
    return true;
  }
  if (kw[kType] != nullptr) {
    std::string names;
    unsigned allowed = AllowedTypes(*kw[kType], &names);
    if (allowed != 0 && (ValueTypeBits(value) & allowed) == 0) {
      // Keywords for other types would only repeat the mismatch.
      Report(sink, StrCat("expected ", names, ", got ", value.type_name()));
      return false;
    }
  }
  if (kw[kRef] != nullptr) {
    ValidateRef(*kw[kRef], value, sink);
    if (Done(sink)) return false;
  }
  if (kw[kEnum] != nullptr && kw[kEnum]->is_array()) {
    const Json& options = *kw[kEnum];
    if (!Charge(options.size())) return true;
    bool found = std::any_of(options.begin(), options.end(),
                             [&](const Json& option) { return JsonEqual(option, value); });
    if (!found) {
      Report(sink, sink.counting() ? std::string()
                                   : StrCat(Quote(value), " is not one of ", Quote(options)));
      if (Done(sink)) return false;
    }
  }
  if (kw[kConst] != nullptr && !JsonEqual(*kw[kConst], value)) {
    Report(sink, sink.counting() ? std::string()
                                 : StrCat("expected ", Quote(*kw[kConst]), ", got ", Quote(value)));
    if (Done(sink)) return false;
  }
  if (value.is_object()) {
    ValidateObject(kw, value, sink);
  } else if (value.is_array()) {
    ValidateArray(kw, value, sink);
  } else if (value.is_string()) {
    ValidateString(kw, value, sink);
  } else if (value.is_number()) {
    ValidateNumber(kw, value, sink);
  }
  if (Done(sink)) return false;
  ValidateCombinators(kw, value, sink);
  return sink.count() == before;
}

bool Validator::ValidateRef(const Json& ref, const Json& value, Sink& sink) {
  if (!ref.is_string()) return true;
  const Json* target = ResolveRef(root_, ref.get_ref<const std::string&>());
  if (target == nullptr) return true;
  std::pair<const Json*, const Json*> key(target, &value);
  if (std::find(ref_stack_.begin(), ref_stack_.end(), key) != ref_stack_.end()) return true;
  ref_stack_.push_back(key);
  bool ok = Validate(*target, value, sink);
  ref_stack_.pop_back();
  return ok;
}

void Validator::ValidateObject(const Json* const* kw, const Json& value, Sink& sink) {
  if (kw[kRequired] != nullptr && kw[kRequired]->is_array()) {
    for (const Json& name : *kw[kRequired]) {
      if (!name.is_string() || value.contains(name.get_ref<const std::string&>())) continue;
      Report(sink,
             sink.counting() ? std::string() : StrCat("missing required property ", Quote(name)));
      if (Done(sink)) return;
    }
  }
  const Json* properties =
      kw[kProperties] != nullptr && kw[kProperties]->is_object() ? kw[kProperties] : nullptr;
  const Json* patterns = kw[kPatternProperties] != nullptr && kw[kPatternProperties]->is_object()
                             ? kw[kPatternProperties]
                             : nullptr;
  const Json* additional = kw[kAdditionalProperties];
  if (additional != nullptr && !additional->is_object() && !additional->is_boolean()) {
    additional = nullptr;
  }
  if (properties != nullptr || patterns != nullptr || additional != nullptr) {
    for (auto member = value.begin(); member != value.end(); ++member) {
      const std::string& key = member.key();
      bool described = false;
      if (properties != nullptr) {
        auto sub = properties->find(key);
        if (sub != properties->end()) {
          described = true;
          PathScope scope(&path_, key);
          Validate(*sub, *member, sink);
          if (Done(sink)) return;
        }
      }
      if (patterns != nullptr) {
        for (auto p = patterns->begin(); p != patterns->end(); ++p) {
          if (!Charge(1)) return;
          Match match = PatternMatches(p.key(), key);
          if (match == Match::kUnknown) {
            described = true;  // cannot tell: do not call it additional
            continue;
          }
          if (match == Match::kNo) continue;
          described = true;
          PathScope scope(&path_, key);
          Validate(*p, *member, sink);
          if (Done(sink)) return;
        }
      }
      if (described || additional == nullptr) continue;
      if (additional->is_boolean()) {
        if (!additional->get<bool>()) {
          Report(sink,
                 sink.counting() ? std::string() : StrCat("unexpected property ", QuoteKey(key)));
        }
      } else {
        PathScope scope(&path_, key);
        Validate(*additional, *member, sink);
      }
      if (Done(sink)) return;
    }
  }
  if (kw[kMinProperties] != nullptr) {
    std::optional<uint64_t> min = CountKeyword(*kw[kMinProperties]);
    if (min && value.size() < *min) {
      Report(sink, StrCat("expected at least ", CountText(*kw[kMinProperties], *min), " ",
                          Plural(*min, "property", "properties"), ", got ", value.size()));
      if (Done(sink)) return;
    }
  }
  if (kw[kMaxProperties] != nullptr) {
    std::optional<uint64_t> max = CountKeyword(*kw[kMaxProperties]);
    if (max && value.size() > *max) {
      Report(sink, StrCat("expected at most ", CountText(*kw[kMaxProperties], *max), " ",
                          Plural(*max, "property", "properties"), ", got ", value.size()));
    }
  }
}

void Validator::ValidateArray(const Json* const* kw, const Json& value, Sink& sink) {
  const size_t n = value.size();
  if (kw[kMinItems] != nullptr) {
    std::optional<uint64_t> min = CountKeyword(*kw[kMinItems]);
    if (min && n < *min) {
      Report(sink, StrCat("expected at least ", CountText(*kw[kMinItems], *min), " ",
                          Plural(*min, "item", "items"), ", got ", n));
      if (Done(sink)) return;
    }
  }
  if (kw[kMaxItems] != nullptr) {
    std::optional<uint64_t> max = CountKeyword(*kw[kMaxItems]);
    if (max && n > *max) {
      Report(sink, StrCat("expected at most ", CountText(*kw[kMaxItems], *max), " ",
                          Plural(*max, "item", "items"), ", got ", n));
      if (Done(sink)) return;
    }
  }
  if (kw[kUniqueItems] != nullptr && kw[kUniqueItems]->is_boolean() &&
      kw[kUniqueItems]->get<bool>() && n > 1) {
    if (!Charge(n)) return;
    // Sort indices by hash, then compare within runs of equal hashes.
    std::vector<std::pair<size_t, size_t>> hashed;
    hashed.reserve(n);
    for (size_t i = 0; i < n; ++i) hashed.emplace_back(JsonHash(value[i]), i);
    std::sort(hashed.begin(), hashed.end());
    size_t dup_a = n, dup_b = n;
    for (size_t start = 0; start < n && dup_a == n;) {
      size_t end = start + 1;
      while (end < n && hashed[end].first == hashed[start].first) ++end;
      for (size_t i = start; i < end && dup_a == n; ++i) {
        for (size_t j = i + 1; j < end; ++j) {
          if (JsonEqual(value[hashed[i].second], value[hashed[j].second])) {
            dup_a = std::min(hashed[i].second, hashed[j].second);
            dup_b = std::max(hashed[i].second, hashed[j].second);
            break;
          }
        }
      }
      start = end;
    }
    if (dup_a != n) {
      Report(sink,
             StrCat("items [", dup_a, "] and [", dup_b, "] are equal, expected unique items"));
      if (Done(sink)) return;
    }
  }

  // Positional schemas: prefixItems (2020-12) or items as a list (drafts 4 to 2019-09);
  // the rest of the items follow `items` or `additionalItems` respectively.
  const Json* tuple = nullptr;
  const Json* rest = nullptr;
  if (kw[kPrefixItems] != nullptr && kw[kPrefixItems]->is_array()) {
    tuple = kw[kPrefixItems];
    rest = kw[kItems];
  } else if (kw[kItems] != nullptr && kw[kItems]->is_array()) {
    tuple = kw[kItems];
    rest = kw[kAdditionalItems];
  } else {
    rest = kw[kItems];
  }
  if (rest != nullptr && !rest->is_object() && !rest->is_boolean()) rest = nullptr;
  size_t i = 0;
  if (tuple != nullptr) {
    for (; i < n && i < tuple->size(); ++i) {
      PathScope scope(&path_, i);
      Validate((*tuple)[i], value[i], sink);
      if (Done(sink)) return;
    }
  }
  if (rest != nullptr && i < n) {
    if (rest->is_boolean()) {
      if (!rest->get<bool>()) {
        Report(sink, StrCat("expected at most ", i, " ", Plural(i, "item", "items"), ", got ", n));
        if (Done(sink)) return;
      }
    } else {
      for (; i < n; ++i) {
        PathScope scope(&path_, i);
        Validate(*rest, value[i], sink);
        if (Done(sink)) return;
      }
    }
  }

  if (kw[kContains] != nullptr && (kw[kContains]->is_object() || kw[kContains]->is_boolean())) {
    std::optional<uint64_t> min_contains;
    std::optional<uint64_t> max_contains;
    if (kw[kMinContains] != nullptr) min_contains = CountKeyword(*kw[kMinContains]);
    if (kw[kMaxContains] != nullptr) max_contains = CountKeyword(*kw[kMaxContains]);
    const uint64_t min = min_contains.value_or(1);
    size_t matches = 0;
    for (size_t j = 0; j < n; ++j) {
      if (Satisfies(*kw[kContains], value[j])) ++matches;
    }
    if (matches < min) {
      Report(sink, min == 1 ? std::string("no item matches the \"contains\" schema")
                            : StrCat("expected at least ", CountText(*kw[kMinContains], min),
                                     " items matching the \"contains\" schema, got ", matches));
      if (Done(sink)) return;
    }
    if (max_contains && matches > *max_contains) {
      Report(sink, StrCat("expected at most ", CountText(*kw[kMaxContains], *max_contains),
                          " items matching the \"contains\" schema, got ", matches));
    }
  }
}

void Validator::ValidateString(const Json* const* kw, const Json& value, Sink& sink) {
  const std::string& s = value.get_ref<const std::string&>();
  if (kw[kMinLength] != nullptr || kw[kMaxLength] != nullptr) {
    const size_t length = base::CodePointCount(s);
    if (kw[kMinLength] != nullptr) {
      std::optional<uint64_t> min = CountKeyword(*kw[kMinLength]);
      if (min && length < *min) {
        Report(sink, StrCat("expected at least ", CountText(*kw[kMinLength], *min), " ",
                            Plural(*min, "character", "characters"), ", got ", length));
        if (Done(sink)) return;
      }
    }
    if (kw[kMaxLength] != nullptr) {
      std::optional<uint64_t> max = CountKeyword(*kw[kMaxLength]);
      if (max && length > *max) {
        Report(sink, StrCat("expected at most ", CountText(*kw[kMaxLength], *max), " ",
                            Plural(*max, "character", "characters"), ", got ", length));
        if (Done(sink)) return;
      }
    }
  }
  if (kw[kPattern] != nullptr && kw[kPattern]->is_string() && Charge(1) &&
      PatternMatches(kw[kPattern]->get_ref<const std::string&>(), s) == Match::kNo) {
    Report(sink, sink.counting()
                     ? std::string()
                     : StrCat(Quote(value), " does not match pattern ", Quote(*kw[kPattern])));
  }
}

void Validator::ValidateNumber(const Json* const* kw, const Json& value, Sink& sink) {
  const long double x = NumberValue(value);
  // Draft 4 spells exclusive bounds as booleans beside minimum/maximum.
  auto draft4_exclusive = [&](Keyword k) {
    return kw[k] != nullptr && kw[k]->is_boolean() && kw[k]->get<bool>();
  };
  if (IsFiniteNumber(kw[kMinimum])) {
    const long double min = NumberValue(*kw[kMinimum]);
    if (draft4_exclusive(kExclusiveMinimum) ? !(x > min) : !(x >= min)) {
      Report(sink, StrCat(base::DumpJson(value),
                          draft4_exclusive(kExclusiveMinimum)
                              ? " is not greater than the exclusive minimum "
                              : " is less than the minimum ",
                          base::DumpJson(*kw[kMinimum])));
      if (Done(sink)) return;
    }
  }
  if (IsFiniteNumber(kw[kMaximum])) {
    const long double max = NumberValue(*kw[kMaximum]);
    if (draft4_exclusive(kExclusiveMaximum) ? !(x < max) : !(x <= max)) {
      Report(sink,
             StrCat(base::DumpJson(value),
                    draft4_exclusive(kExclusiveMaximum) ? " is not less than the exclusive maximum "
                                                        : " is greater than the maximum ",
                    base::DumpJson(*kw[kMaximum])));
      if (Done(sink)) return;
    }
  }
  if (IsFiniteNumber(kw[kExclusiveMinimum]) && !(x > NumberValue(*kw[kExclusiveMinimum]))) {
    Report(sink, StrCat(base::DumpJson(value), " is not greater than the exclusive minimum ",
                        base::DumpJson(*kw[kExclusiveMinimum])));
    if (Done(sink)) return;
  }
  if (IsFiniteNumber(kw[kExclusiveMaximum]) && !(x < NumberValue(*kw[kExclusiveMaximum]))) {
    Report(sink, StrCat(base::DumpJson(value), " is not less than the exclusive maximum ",
                        base::DumpJson(*kw[kExclusiveMaximum])));
    if (Done(sink)) return;
  }
  if (IsFiniteNumber(kw[kMultipleOf])) {
    const long double m = NumberValue(*kw[kMultipleOf]);
    if (m > 0 && std::isfinite(x)) {
      // Exact for integers; a relative tolerance absorbs binary rounding of decimals
      // (0.07 is a multiple of 0.01).
      const long double r = std::fabs(std::fmod(x, m));
      const long double eps = 1e-9L * m;
      if (r > eps && m - r > eps) {
        Report(sink, StrCat("expected a multiple of ", base::DumpJson(*kw[kMultipleOf]), ", got ",
                            base::DumpJson(value)));
      }
    }
  }
}

std::string Validator::DescribeAlternatives(const Json& alternatives, const Json& value) {
  std::string out;
  const size_t shown = std::min(alternatives.size(), kMaxAlternativesShown);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += "; ";
    StrAppend(&out, "#", i, ": ", FirstViolation(alternatives[i], value));
  }
  if (alternatives.size() > shown) out += "; ...";
  return out;
}

void Validator::ValidateCombinators(const Json* const* kw, const Json& value, Sink& sink) {
  if (kw[kAllOf] != nullptr && kw[kAllOf]->is_array()) {
    for (const Json& sub : *kw[kAllOf]) {
      Validate(sub, value, sink);
      if (Done(sink)) return;
    }
  }
  if (kw[kAnyOf] != nullptr && kw[kAnyOf]->is_array() && !kw[kAnyOf]->empty()) {
    const Json& alternatives = *kw[kAnyOf];
    bool any = std::any_of(alternatives.begin(), alternatives.end(),
                           [&](const Json& sub) { return Satisfies(sub, value); });
    if (!any) {
      Report(sink, sink.counting() ? std::string()
                                   : StrCat("matches none of the anyOf alternatives (",
                                            DescribeAlternatives(alternatives, value), ")"));
      if (Done(sink)) return;
    }
  }
  if (kw[kOneOf] != nullptr && kw[kOneOf]->is_array() && !kw[kOneOf]->empty()) {
    const Json& alternatives = *kw[kOneOf];
    std::vector<size_t> matched;
    for (size_t i = 0; i < alternatives.size() && matched.size() < 2; ++i) {
      if (Satisfies(alternatives[i], value)) matched.push_back(i);
    }
    if (matched.empty()) {
      Report(sink, sink.counting() ? std::string()
                                   : StrCat("matches none of the oneOf alternatives (",
                                            DescribeAlternatives(alternatives, value), ")"));
      if (Done(sink)) return;
    } else if (matched.size() > 1) {
      Report(sink, StrCat("matches more than one oneOf alternative (#", matched[0], " and #",
                          matched[1], "), expected exactly one"));
      if (Done(sink)) return;
    }
  }
  if (kw[kNot] != nullptr && (kw[kNot]->is_object() || kw[kNot]->is_boolean()) &&
      Satisfies(*kw[kNot], value)) {
    Report(sink, "must not match the \"not\" schema");
    if (Done(sink)) return;
  }
  if (kw[kIf] != nullptr && (kw[kIf]->is_object() || kw[kIf]->is_boolean())) {
    const Json* branch = Satisfies(*kw[kIf], value) ? kw[kThen] : kw[kElse];
    if (branch != nullptr) Validate(*branch, value, sink);
  }
}

}  // namespace

std::string SchemaViolation::ToString() const { return StrCat(path, ": ", message); }

std::vector<SchemaViolation> ValidateJsonSchema(const Json& schema, const Json& value,
                                                size_t max_violations) {
  std::vector<SchemaViolation> violations;
  Sink sink(&violations, max_violations);
  Validator validator(schema);
  validator.Validate(schema, value, sink);
  if (validator.exhausted()) {
    violations.assign(1, {"$", StrCat("schema too complex to check (gave up after ", kMaxSchemaWork,
                                      " keyword evaluations)")});
  }
  return violations;
}

}  // namespace tracemill::trace
