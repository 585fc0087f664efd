#include "libs/llm/hermes.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libs/base/str_cat.h"
#include "nlohmann/json.hpp"

namespace tracemill::llm {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kCallOpen = "<tool_call>";
constexpr std::string_view kCallClose = "</tool_call>";
constexpr std::string_view kFunctionOpen = "<function=";
constexpr std::string_view kFunctionClose = "</function>";
constexpr std::string_view kParameterOpen = "<parameter=";
constexpr std::string_view kParameterClose = "</parameter>";
constexpr std::string_view kSeparator = "\n\n";
// Deeper JSON is refused: nlohmann's dump recurses.
constexpr size_t kMaxDepth = 256;
constexpr size_t kQuoteLimit = 60;
constexpr size_t npos = std::string_view::npos;

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithAt(std::string_view s, size_t pos, std::string_view prefix) {
  return s.size() - pos >= prefix.size() && s.compare(pos, prefix.size(), prefix) == 0;
}

std::string Problem(size_t offset, std::string_view what) {
  return base::StrCat("byte ", offset, ": ", what);
}

// `text` in single quotes, cut at kQuoteLimit bytes, non-printable bytes as \xNN.
std::string Quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kQuoteLimit; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += text.size() > kQuoteLimit ? "...'" : "'";
  return out;
}

// Bytes at the end of `s` that begin a UTF-8 sequence still missing bytes.
size_t IncompleteUtf8Tail(std::string_view s) {
  for (size_t k = 1; k <= 3 && k <= s.size(); ++k) {
    const unsigned char b = static_cast<unsigned char>(s[s.size() - k]);
    if ((b & 0xC0) == 0x80) continue;
    size_t need = 1;
    if (b >= 0xC2 && b <= 0xDF) need = 2;
    if (b >= 0xE0 && b <= 0xEF) need = 3;
    if (b >= 0xF0 && b <= 0xF4) need = 4;
    return need > k ? k : 0;
  }
  return 0;
}

// Writes one of content or reasoning: drops whitespace at the edges of each segment and
// joins non-empty segments with kSeparator. Whitespace is held until it is known to sit
// inside a segment.
class Segmenter {
 public:
  void Text(std::string_view s, std::string* out) {
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i;
      if (IsSpace(s[i])) {
        while (j < s.size() && IsSpace(s[j])) ++j;
        if (started_ && !need_separator_) pending_.append(s.substr(i, j - i));
      } else {
        while (j < s.size() && !IsSpace(s[j])) ++j;
        out->append(need_separator_ ? kSeparator : std::string_view(pending_));
        pending_.clear();
        started_ = true;
        need_separator_ = false;
        segment_empty_ = false;
        out->append(s.substr(i, j - i));
      }
      i = j;
    }
  }

  // A block ends the segment.
  void Break() {
    pending_.clear();
    need_separator_ = started_;
    segment_empty_ = true;
  }

  bool segment_empty() const { return segment_empty_; }

 private:
  bool started_ = false;
  bool need_separator_ = false;
  bool segment_empty_ = true;
  std::string pending_;
};

// Follows a tool-call body byte by byte to tell whether a '<' may begin a tag. A body
// that starts with '{' or '[' is JSON, and a '<' inside one of its strings is data,
// unless the string holds a raw control character (no valid JSON string does: the quote
// that should have closed it is missing).
class CloseScanner {
 public:
  bool TagAllowed() const { return format_ != Format::kJson || !in_string_ || broken_; }

  void Add(char c) {
    switch (format_) {
      case Format::kUnknown:
        if (IsSpace(c)) return;
        if (c == '{' || c == '[') {
          format_ = Format::kJson;
          depth_ = 1;
        } else {
          format_ = Format::kPlain;
        }
        return;
      case Format::kPlain:
        return;
      case Format::kJson:
        if (in_string_) {
          if (escape_) {
            escape_ = false;
          } else if (c == '\\') {
            escape_ = true;
          } else if (c == '"') {
            in_string_ = false;
            broken_ = false;
          } else if (static_cast<unsigned char>(c) < 0x20) {
            broken_ = true;
          }
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if (c == '}' || c == ']') {
          if (depth_ > 0) --depth_;
        } else if (c == '"' && depth_ > 0) {
          in_string_ = true;  // strings outside any object are junk, not data
        }
        return;
    }
  }

 private:
  enum class Format { kUnknown, kJson, kPlain };
  Format format_ = Format::kUnknown;
  size_t depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool broken_ = false;
};

// The extent of the JSON value that starts with the '{' or '[' at `pos`, found by
// brackets and strings alone; when it is cut off, what is needed to repair it.
struct ValueScan {
  size_t end = 0;  // one past the value, or the text's size when incomplete
  bool complete = false;
  bool too_deep = false;
  bool in_string = false;
  bool escape = false;
  std::string closers;              // per open level, its closing bracket
  std::vector<size_t> item_starts;  // per open level, its last item's start from `pos`, or npos
};

ValueScan ScanValue(std::string_view text, size_t pos) {
  ValueScan s;
  size_t depth = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (s.in_string) {
      if (s.escape) {
        s.escape = false;
      } else if (c == '\\') {
        s.escape = true;
      } else if (c == '"') {
        s.in_string = false;
      }
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        if (!s.too_deep && !s.item_starts.empty() && s.item_starts.back() == npos) {
          s.item_starts.back() = i - pos;
        }
        if (++depth > kMaxDepth) s.too_deep = true;
        if (!s.too_deep) {
          s.closers.push_back(c == '{' ? '}' : ']');
          s.item_starts.push_back(npos);
        }
        break;
      case '}':
      case ']':
        --depth;
        if (!s.too_deep) {
          s.closers.pop_back();
          s.item_starts.pop_back();
        }
        if (depth == 0) {
          s.end = i + 1;
          s.complete = true;
          return s;
        }
        break;
      case ',':
        if (!s.too_deep) s.item_starts.back() = npos;
        break;
      default:
        if (IsSpace(c)) break;
        if (c == '"') s.in_string = true;
        if (!s.too_deep && s.item_starts.back() == npos) s.item_starts.back() = i - pos;
        break;
    }
  }
  s.end = text.size();
  return s;
}

std::optional<Json> ParseStrict(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Escapes raw control characters inside strings and drops commas before '}' or ']'.
std::string Normalize(std::string_view t) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(t.size());
  bool in_string = false;
  bool escape = false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const unsigned char u = static_cast<unsigned char>(c);
    if (in_string) {
      if (u < 0x20) {
        if (!escape) out += '\\';
        escape = false;
        if (c == '\n') {
          out += 'n';
        } else if (c == '\r') {
          out += 'r';
        } else if (c == '\t') {
          out += 't';
        } else {
          out += "u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        }
        continue;
      }
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      out += c;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == ',') {
      size_t j = i + 1;
      while (j < t.size() && IsSpace(t[j])) ++j;
      if (j < t.size() && (t[j] == '}' || t[j] == ']')) continue;
    }
    out += c;
  }
  return out;
}

void TrimTrailingComma(std::string* s) {
  while (!s->empty() && IsSpace(s->back())) s->pop_back();
  if (!s->empty() && s->back() == ',') s->pop_back();
  while (!s->empty() && IsSpace(s->back())) s->pop_back();
}

// Drops a \u escape cut short at the end of an unclosed string.
void DropPartialUnicodeEscape(std::string* s) {
  size_t hex = 0;
  while (hex < 3 && hex < s->size() &&
         std::isxdigit(static_cast<unsigned char>((*s)[s->size() - 1 - hex]))) {
    ++hex;
  }
  for (size_t h = 0; h <= hex; ++h) {
    const size_t u = s->size() - 1 - h;  // where 'u' would be
    if (u == 0 || u >= s->size() || (*s)[u] != 'u' || (*s)[u - 1] != '\\') continue;
    size_t slashes = 0;
    while (slashes < u && (*s)[u - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) s->resize(u - 1);
    return;
  }
}

struct Lenient {
  std::optional<Json> value;
  std::string repair;  // what was repaired, empty when nothing
};

// Parses the value `scan` found at the start of `text`, repairing it if needed.
Lenient ParseLenient(std::string_view text, const ValueScan& scan) {
  if (scan.too_deep) return {};
  if (scan.complete) {
    if (auto j = ParseStrict(text)) return {std::move(j), ""};
    if (auto j = ParseStrict(Normalize(text))) {
      return {std::move(j), "escaped control characters in strings or dropped trailing commas"};
    }
    return {};
  }
  std::string closed(text);
  if (scan.in_string) {
    if (scan.escape) closed.pop_back();
    DropPartialUnicodeEscape(&closed);
    closed += '"';
  }
  TrimTrailingComma(&closed);
  closed.append(scan.closers.rbegin(), scan.closers.rend());
  if (auto j = ParseStrict(Normalize(closed))) {
    return {std::move(j), base::StrCat("closed ", scan.in_string ? "a string and " : "",
                                       scan.closers.size(), " bracket(s)")};
  }
  // Drop the innermost item that was cut off.
  size_t level = scan.item_starts.size();
  while (level > 0 && scan.item_starts[level - 1] == npos) --level;
  if (level == 0) return {};
  std::string dropped(text.substr(0, scan.item_starts[level - 1]));
  TrimTrailingComma(&dropped);
  for (size_t l = level; l > 0; --l) dropped += scan.closers[l - 1];
  if (auto j = ParseStrict(Normalize(dropped))) {
    return {std::move(j),
            base::StrCat("dropped a cut-off last item and closed ", level, " bracket(s)")};
  }
  return {};
}

struct Call {
  std::string name;
  std::string arguments;
};

struct BlockResult {
  std::vector<Call> calls;
  std::vector<std::string> problems;  // listed only when there are calls
  std::string refusal;                // the first reason something was not a call
  // The first part that was repaired or beyond repair; without repair the block yields
  // no call for it.
  std::string broken;

  void Broken(std::string what) {
    if (broken.empty()) broken = std::move(what);
  }
};

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Makes a call of `v` ({"name": ..., "arguments": ...}, also nested in "function"), or
// says why not.
void AddCall(const Json& v, size_t offset, BlockResult* r) {
  auto refuse = [&](std::string_view reason) {
    r->problems.push_back(Problem(offset, base::StrCat("ignored JSON: ", reason)));
    if (r->refusal.empty()) r->refusal = std::string(reason);
  };
  if (!v.is_object()) return refuse(base::StrCat("a JSON ", v.type_name(), ", not an object"));
  const Json* obj = &v;
  auto name = obj->find("name");
  if (name == obj->end()) {
    auto fn = obj->find("function");
    if (fn != obj->end() && fn->is_object()) {
      obj = &*fn;
      name = obj->find("name");
    }
  }
  if (name == obj->end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return refuse("no \"name\" string");
  }
  auto args = obj->find("arguments");
  if (args == obj->end()) args = obj->find("parameters");
  Call call{name->get<std::string>(), "{}"};
  if (args == obj->end() || args->is_null()) {
    r->calls.push_back(std::move(call));
    return;
  }
  if (args->is_object()) {
    call.arguments = Dump(*args);
  } else if (args->is_string()) {
    const std::string& s = args->get_ref<const std::string&>();
    size_t pos = 0;
    while (pos < s.size() && IsSpace(s[pos])) ++pos;
    if (pos < s.size()) {
      if (s[pos] != '{') return refuse("\"arguments\" is a string that is not a JSON object");
      ValueScan scan = ScanValue(s, pos);
      Lenient parsed = ParseLenient(std::string_view(s).substr(pos, scan.end - pos), scan);
      if (!parsed.value || !parsed.value->is_object()) {
        return refuse("\"arguments\" is a string that is not a JSON object");
      }
      std::string note = "\"arguments\" was a JSON string; decoded";
      if (!parsed.repair.empty()) {
        base::StrAppend(&note, " and repaired: ", parsed.repair);
        r->Broken(base::StrCat("\"arguments\" string would need repair: ", parsed.repair));
      }
      if (!Trim(std::string_view(s).substr(scan.end)).empty()) {
        base::StrAppend(&note, "; ignored text after it: ", Quote(Trim(s.substr(scan.end))));
      }
      r->problems.push_back(Problem(offset, note));
      call.arguments = Dump(*parsed.value);
    }
  } else {
    return refuse(base::StrCat("\"arguments\" is a ", args->type_name(), ", not an object"));
  }
  r->calls.push_back(std::move(call));
}

// A body of JSON objects (or arrays of them) and whatever text surrounds them.
void ParseJsonBody(std::string_view body, size_t base, BlockResult* r) {
  size_t pos = 0;
  while (true) {
    while (pos < body.size() && IsSpace(body[pos])) ++pos;
    if (pos == body.size()) break;
    if (body[pos] != '{' && body[pos] != '[') {
      size_t end = body.find_first_of("{[", pos);
      if (end == npos) end = body.size();
      r->problems.push_back(Problem(
          base + pos,
          base::StrCat("ignored text in tool call: ", Quote(Trim(body.substr(pos, end - pos))))));
      if (r->refusal.empty()) r->refusal = "no JSON object";
      pos = end;
      continue;
    }
    const ValueScan scan = ScanValue(body, pos);
    const Lenient parsed = ParseLenient(body.substr(pos, scan.end - pos), scan);
    if (!parsed.value) {
      const std::string reason =
          scan.too_deep ? base::StrCat("JSON nested deeper than ", kMaxDepth) : "invalid JSON";
      r->problems.push_back(
          Problem(base + pos,
                  base::StrCat("ignored ", reason, ": ", Quote(body.substr(pos, scan.end - pos)))));
      if (r->refusal.empty()) r->refusal = reason;
      r->Broken(reason);
    } else {
      if (!parsed.repair.empty()) {
        r->problems.push_back(
            Problem(base + pos, base::StrCat("repaired tool call JSON: ", parsed.repair)));
        r->Broken(base::StrCat("JSON would need repair: ", parsed.repair));
      }
      if (parsed.value->is_array()) {
        if (parsed.value->empty()) {
          r->problems.push_back(Problem(base + pos, "ignored an empty JSON array"));
          if (r->refusal.empty()) r->refusal = "an empty JSON array";
        }
        for (const Json& item : *parsed.value) AddCall(item, base + pos, r);
      } else {
        AddCall(*parsed.value, base + pos, r);
      }
    }
    pos = scan.end;
  }
  if (r->calls.empty() && r->refusal.empty()) r->refusal = "empty";
}

// Finds a pattern again and again at non-decreasing offsets in linear time overall.
class Finder {
 public:
  explicit Finder(std::string_view pattern) : pattern_(pattern) {}
  // The first occurrence at or after `from`, or the text's size.
  size_t Find(std::string_view text, size_t from) {
    if (!valid_ || from < from_ || (found_ != text.size() && from > found_)) {
      from_ = from;
      found_ = std::min(text.find(pattern_, from), text.size());
      valid_ = true;
    }
    return found_;
  }

 private:
  std::string_view pattern_;
  bool valid_ = false;
  size_t from_ = 0;
  size_t found_ = 0;
};

// A parameter value without schema: JSON numbers, literals, objects and arrays are taken
// as such, anything else is a string.
Json ParameterValue(std::string_view value) {
  if (StartsWithAt(value, 0, "\r\n")) {
    value.remove_prefix(2);
  } else if (StartsWithAt(value, 0, "\n")) {
    value.remove_prefix(1);
  }
  if (!value.empty() && value.back() == '\n') value.remove_suffix(1);
  if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
  const std::string_view t = Trim(value);
  if (!t.empty() && t.front() != '"') {
    const bool nested = t.front() == '{' || t.front() == '[';
    if (!nested || !ScanValue(t, 0).too_deep) {
      if (auto j = ParseStrict(t)) return *std::move(j);
    }
  }
  return Json(std::string(value));
}

// Qwen3-Coder's <function=NAME><parameter=KEY>VALUE</parameter>...</function>.
void ParseXmlBody(std::string_view body, size_t base, BlockResult* r) {
  Finder function_open(kFunctionOpen), function_close(kFunctionClose);
  Finder parameter_open(kParameterOpen), parameter_close(kParameterClose);
  const size_t n = body.size();
  auto skip_space = [&](size_t* pos) {
    while (*pos < n && IsSpace(body[*pos])) ++*pos;
  };
  auto ignore = [&](size_t from, size_t to) {
    r->problems.push_back(Problem(
        base + from,
        base::StrCat("ignored text in tool call: ", Quote(Trim(body.substr(from, to - from))))));
  };
  // The end of a tag's NAME before '>', or npos when a newline or the end comes first.
  auto tag_name_end = [&](size_t from) {
    while (from < n && body[from] != '>' && body[from] != '\n') ++from;
    return from < n && body[from] == '>' ? from : npos;
  };
  size_t pos = 0;
  while (true) {
    skip_space(&pos);
    if (pos == n) break;
    if (!StartsWithAt(body, pos, kFunctionOpen)) {
      const size_t next = function_open.Find(body, pos + 1);
      ignore(pos, next);
      pos = next;
      continue;
    }
    const size_t call_pos = pos;
    const size_t name_end = tag_name_end(pos + kFunctionOpen.size());
    if (name_end == npos) {
      const size_t next = function_open.Find(body, pos + 1);
      ignore(pos, next);
      if (r->refusal.empty()) r->refusal = "a <function= tag without '>'";
      r->Broken("a <function= tag without '>'");
      pos = next;
      continue;
    }
    const std::string name(
        Trim(body.substr(pos + kFunctionOpen.size(), name_end - pos - kFunctionOpen.size())));
    pos = name_end + 1;
    Json args = Json::object();
    bool closed = false;
    while (true) {
      skip_space(&pos);
      if (pos == n || StartsWithAt(body, pos, kFunctionOpen)) break;
      if (StartsWithAt(body, pos, kFunctionClose)) {
        pos += kFunctionClose.size();
        closed = true;
        break;
      }
      if (!StartsWithAt(body, pos, kParameterOpen)) {
        const size_t next =
            std::min({parameter_open.Find(body, pos), function_close.Find(body, pos),
                      function_open.Find(body, pos)});
        ignore(pos, next);
        pos = next;
        continue;
      }
      const size_t key_end = tag_name_end(pos + kParameterOpen.size());
      if (key_end == npos) {
        const size_t next =
            std::min({parameter_open.Find(body, pos + 1), function_close.Find(body, pos + 1),
                      function_open.Find(body, pos + 1)});
        ignore(pos, next);
        r->Broken("a <parameter= tag without '>'");
        pos = next;
        continue;
      }
      const std::string key(
          Trim(body.substr(pos + kParameterOpen.size(), key_end - pos - kParameterOpen.size())));
      const size_t value_pos = key_end + 1;
      const size_t close = parameter_close.Find(body, value_pos);
      const size_t value_end =
          std::min({close, parameter_open.Find(body, value_pos),
                    function_close.Find(body, value_pos), function_open.Find(body, value_pos)});
      const bool value_closed = value_end == close && close < n;
      if (!value_closed) {
        r->problems.push_back(
            Problem(base + pos, base::StrCat("parameter ", Quote(key), " not closed")));
        r->Broken(base::StrCat("parameter ", Quote(key), " not closed"));
      }
      args[key] = ParameterValue(body.substr(value_pos, value_end - value_pos));
      pos = value_closed ? value_end + kParameterClose.size() : value_end;
    }
    if (!closed) {
      r->problems.push_back(Problem(base + call_pos, "<function= not closed"));
      r->Broken("<function= not closed");
    }
    if (name.empty()) {
      r->problems.push_back(Problem(base + call_pos, "ignored a function without a name"));
      if (r->refusal.empty()) r->refusal = "a function without a name";
      continue;
    }
    r->calls.push_back(Call{name, Dump(args)});
  }
  if (r->calls.empty() && r->refusal.empty()) r->refusal = "empty";
}

// `body` is a tool-call block without its tags; `base` its offset in the whole text.
BlockResult ParseBlock(std::string_view body, size_t base) {
  BlockResult r;
  try {
    size_t first = 0;
    while (first < body.size() && IsSpace(body[first])) ++first;
    if (StartsWithAt(body, first, kFunctionOpen)) {
      ParseXmlBody(body, base, &r);
    } else {
      ParseJsonBody(body, base, &r);
    }
  } catch (const std::exception& e) {
    r = BlockResult();
    r.refusal = base::StrCat("internal error: ", e.what());
  }
  return r;
}

enum class Tag { kThinkOpen, kThinkClose, kCallOpen, kCallClose };

struct TagText {
  std::string_view text;
  Tag tag;
};

constexpr TagText kTagsInContent[] = {{kThinkOpen, Tag::kThinkOpen},
                                      {kThinkClose, Tag::kThinkClose},
                                      {kCallOpen, Tag::kCallOpen},
                                      {kCallClose, Tag::kCallClose}};
constexpr TagText kTagsInReasoning[] = {{kThinkClose, Tag::kThinkClose},
                                        {kThinkOpen, Tag::kThinkOpen}};
constexpr TagText kTagsInCall[] = {{kCallClose, Tag::kCallClose}, {kCallOpen, Tag::kCallOpen}};

}  // namespace

struct HermesStreamParser::State {
  enum class Mode { kUndecided, kContent, kReasoning, kCall };

  explicit State(HermesOptions o) : options(o) {
    switch (options.start) {
      case HermesStart::kDetect:
        mode = Mode::kUndecided;
        break;
      case HermesStart::kContent:
        mode = Mode::kContent;
        break;
      case HermesStart::kReasoning:
        mode = Mode::kReasoning;
        break;
    }
  }

  void Feed(std::string_view chunk) {
    const size_t base = offset;
    offset += chunk.size();
    size_t i = 0;
    while (i < chunk.size()) {
      if (!tag.empty()) {
        StepTag(chunk[i], base + i);
        ++i;
        continue;
      }
      size_t j = i;
      if (mode == Mode::kCall) {
        while (j < chunk.size() && !(chunk[j] == '<' && scan.TagAllowed())) scan.Add(chunk[j++]);
        block.append(chunk.substr(i, j - i));
      } else {
        const void* lt = std::memchr(chunk.data() + i, '<', chunk.size() - i);
        j = lt == nullptr ? chunk.size() : static_cast<const char*>(lt) - chunk.data();
        Text(chunk.substr(i, j - i));
      }
      if (j < chunk.size()) {
        tag = "<";
        tag_offset = base + j;
        ++j;
      }
      i = j;
    }
  }

  void Finish() {
    if (!tag.empty()) {
      const std::string held = std::move(tag);
      tag.clear();
      Text(held);
    }
    switch (mode) {
      case Mode::kUndecided:
        content.Text(undecided, &delta.content);
        undecided.clear();
        break;
      case Mode::kContent:
        break;
      case Mode::kReasoning:
        delta.problems.push_back(
            think_opened ? Problem(think_offset, "<think> not closed; the rest is reasoning")
                         : Problem(0, "reasoning not closed by </think>"));
        break;
      case Mode::kCall:
        EndBlock(/*closed=*/false, "<tool_call> not closed before the end");
        break;
    }
  }

  // The next byte while `tag` holds the start of a possible tag.
  void StepTag(char c, size_t c_offset) {
    tag.push_back(c);
    const TagText* tags = kTagsInContent;
    size_t count = std::size(kTagsInContent);
    if (mode == Mode::kReasoning) {
      tags = kTagsInReasoning;
      count = std::size(kTagsInReasoning);
    } else if (mode == Mode::kCall) {
      tags = kTagsInCall;
      count = std::size(kTagsInCall);
    }
    bool prefix = false;
    for (size_t k = 0; k < count; ++k) {
      if (tags[k].text == tag) {
        tag.clear();
        OnTag(tags[k].tag, tag_offset);
        return;
      }
      if (tags[k].text.starts_with(tag)) prefix = true;
    }
    if (prefix) return;
    // Not a tag: the bytes before `c` are text; `c` may begin another tag.
    tag.pop_back();
    const std::string text = std::move(tag);
    tag.clear();
    Text(text);
    if (c == '<' && (mode != Mode::kCall || scan.TagAllowed())) {
      tag = "<";
      tag_offset = c_offset;
    } else {
      Text(std::string_view(&c, 1));
    }
  }

  void Text(std::string_view s) {
    switch (mode) {
      case Mode::kUndecided:
        undecided.append(s);
        break;
      case Mode::kContent:
        content.Text(s, &delta.content);
        break;
      case Mode::kReasoning:
        reasoning.Text(s, &delta.reasoning);
        break;
      case Mode::kCall:
        for (char c : s) scan.Add(c);
        block.append(s);
        break;
    }
  }

  void OnTag(Tag t, size_t at) {
    switch (mode) {
      case Mode::kUndecided:
        if (t == Tag::kThinkClose) {  // the prompt opened <think>
          reasoning.Text(undecided, &delta.reasoning);
          reasoning.Break();
          undecided.clear();
          mode = Mode::kContent;
          return;
        }
        content.Text(undecided, &delta.content);
        undecided.clear();
        mode = Mode::kContent;
        return OnTag(t, at);
      case Mode::kContent:
        switch (t) {
          case Tag::kThinkOpen:
            content.Break();
            reasoning.Break();
            mode = Mode::kReasoning;
            think_opened = true;
            think_offset = at;
            return;
          case Tag::kCallOpen:
            return StartBlock(at);
          case Tag::kThinkClose:
            content.Text(kThinkClose, &delta.content);
            delta.problems.push_back(Problem(at, "stray </think> kept as content"));
            return;
          case Tag::kCallClose:
            content.Text(kCallClose, &delta.content);
            delta.problems.push_back(Problem(at, "stray </tool_call> kept as content"));
            return;
        }
        return;
      case Mode::kReasoning:
        if (t == Tag::kThinkClose) {
          reasoning.Break();
          mode = Mode::kContent;
        } else if (!reasoning.segment_empty()) {
          reasoning.Text(kThinkOpen, &delta.reasoning);
        }  // else a repeated opening tag
        return;
      case Mode::kCall:
        if (t == Tag::kCallClose) return EndBlock(/*closed=*/true, "");
        EndBlock(/*closed=*/false, "<tool_call> not closed before the next <tool_call>");
        return StartBlock(at);
    }
  }

  void StartBlock(size_t at) {
    mode = Mode::kCall;
    block.clear();
    block_offset = at;
    scan = CloseScanner();
  }

  void EndBlock(bool closed, std::string_view unclosed_problem) {
    BlockResult r = ParseBlock(block, block_offset + kCallOpen.size());
    mode = Mode::kContent;
    if (!options.repair && (!closed || !r.broken.empty())) {
      r.calls.clear();
      r.refusal = closed ? r.broken : std::string(unclosed_problem);
    }
    if (r.calls.empty()) {
      content.Text(base::StrCat(kCallOpen, block, closed ? kCallClose : ""), &delta.content);
      delta.problems.push_back(Problem(
          block_offset, base::StrCat("not a tool call (", r.refusal, "); kept as content")));
    } else {
      content.Break();
      if (!closed) delta.problems.push_back(Problem(block_offset, unclosed_problem));
      for (std::string& p : r.problems) delta.problems.push_back(std::move(p));
      for (Call& c : r.calls) {
        delta.tool_calls.push_back(
            HermesToolCall{next_index++, std::move(c.name), std::move(c.arguments)});
      }
    }
    block.clear();
  }

  // The delta so far, less a trailing incomplete UTF-8 sequence unless `final`.
  HermesDelta TakeDelta(bool final) {
    HermesDelta out = std::move(delta);
    delta = HermesDelta();
    if (!final) {
      size_t k = IncompleteUtf8Tail(out.content);
      delta.content.assign(out.content, out.content.size() - k, k);
      out.content.resize(out.content.size() - k);
      k = IncompleteUtf8Tail(out.reasoning);
      delta.reasoning.assign(out.reasoning, out.reasoning.size() - k, k);
      out.reasoning.resize(out.reasoning.size() - k);
    }
    return out;
  }

  HermesOptions options;
  Mode mode = Mode::kContent;
  bool finished = false;
  size_t offset = 0;  // of the next byte fed
  std::string tag;    // held bytes that may begin a tag
  size_t tag_offset = 0;
  std::string undecided;  // HermesStart::kDetect: the text before the first tag
  Segmenter content;
  Segmenter reasoning;
  bool think_opened = false;
  size_t think_offset = 0;
  std::string block;  // the open tool call's body so far
  size_t block_offset = 0;
  CloseScanner scan;
  int next_index = 0;
  HermesDelta delta;  // what is to be returned; between calls, held UTF-8 bytes
};

HermesStreamParser::HermesStreamParser(HermesOptions options)
    : state_(std::make_unique<State>(options)) {}
HermesStreamParser::~HermesStreamParser() = default;
HermesStreamParser::HermesStreamParser(HermesStreamParser&&) noexcept = default;
HermesStreamParser& HermesStreamParser::operator=(HermesStreamParser&&) noexcept = default;

HermesDelta HermesStreamParser::Feed(std::string_view chunk) {
  if (state_->finished) return {};
  state_->Feed(chunk);
  return state_->TakeDelta(/*final=*/false);
}

HermesDelta HermesStreamParser::Finish() {
  if (state_->finished) return {};
  state_->finished = true;
  state_->Finish();
  return state_->TakeDelta(/*final=*/true);
}

void AppendHermesDelta(HermesDelta delta, HermesOutput* out) {
  out->content += delta.content;
  out->reasoning += delta.reasoning;
  for (HermesToolCall& c : delta.tool_calls) out->tool_calls.push_back(std::move(c));
  for (std::string& p : delta.problems) out->problems.push_back(std::move(p));
}

HermesOutput ParseHermes(std::string_view text, const HermesOptions& options) {
  HermesStreamParser parser(options);
  HermesOutput out;
  AppendHermesDelta(parser.Feed(text), &out);
  AppendHermesDelta(parser.Finish(), &out);
  return out;
}

}  // namespace tracemill::llm
