#include "libs/text/jinja_lexer.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "absl/status/status.h"
#include "libs/base/str_cat.h"

namespace tracemill::text {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string src) : src_(std::move(src)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  absl::StatusOr<std::vector<Token>> Run() {
    size_t pos = 0;
    bool strip_next = false;  // the previous tag ended with '-'
    while (pos < src_.size()) {
      size_t tag = FindTag(pos);
      std::string text = src_.substr(pos, tag - pos);
      if (strip_next) {
        size_t first = 0;
        while (first < text.size() && IsSpace(text[first])) ++first;
        text.erase(0, first);
        strip_next = false;
      }
      if (tag >= src_.size()) {
        AddText(std::move(text), pos);
        break;
      }
      char type = src_[tag + 1];  // '{', '%' or '#'
      char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (sign == '-') {
        size_t end = text.size();
        while (end > 0 && IsSpace(text[end - 1])) --end;
        text.resize(end);
      } else if (sign != '+' && type != '{') {
        // lstrip_blocks: drop spaces between the line start and a block or comment tag.
        size_t line_pos = text.rfind('\n');
        line_pos = line_pos == std::string::npos ? 0 : line_pos + 1;
        bool line_starting = pos == 0 || src_[pos - 1] == '\n';
        if (line_pos > 0 || line_starting) {
          bool all_space = line_pos < text.size();
          for (size_t i = line_pos; i < text.size(); ++i) {
            if (!IsSpace(text[i])) all_space = false;
          }
          if (all_space) text.resize(line_pos);
        }
      }
      AddText(std::move(text), pos);
      size_t inner = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (type == '#') {
        size_t close = src_.find("#}", inner);
        if (close == std::string::npos) return Error(tag, "unterminated comment");
        bool minus = close > inner && src_[close - 1] == '-';
        bool plus = close > inner && src_[close - 1] == '+';
        pos = close + 2;
        if (minus) {
          strip_next = true;
        } else if (!plus && pos < src_.size() && src_[pos] == '\n') {
          ++pos;
        }
        continue;
      }
      bool block = type == '%';
      if (block) {
        auto raw_end = LexRaw(tag, inner, &strip_next);
        if (!raw_end.ok()) return raw_end.status();
        if (*raw_end != 0) {
          pos = *raw_end;
          continue;
        }
      }
      Push(block ? TokenKind::kBlockBegin : TokenKind::kVarBegin, block ? "{%" : "{{", tag);
      auto end = LexTag(inner, block);
      if (!end.ok()) return end.status();
      pos = *end;
      if (last_end_minus_) {
        strip_next = true;
      } else if (block && !last_end_plus_ && pos < src_.size() && src_[pos] == '\n') {
        ++pos;  // trim_blocks
      }
    }
    Push(TokenKind::kEnd, "", src_.size());
    return std::move(tokens_);
  }

 private:
  size_t FindTag(size_t from) const {
    size_t i = from;
    while (true) {
      i = src_.find('{', i);
      if (i == std::string::npos || i + 1 >= src_.size()) return src_.size();
      char c = src_[i + 1];
      if (c == '{' || c == '%' || c == '#') return i;
      ++i;
    }
  }

  void AddText(std::string text, size_t pos) {
    if (text.empty()) return;
    Token t = MakeToken(TokenKind::kText, pos);
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  Token MakeToken(TokenKind kind, size_t pos) const {
    Token t;
    t.kind = kind;
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    size_t line = static_cast<size_t>(it - line_starts_.begin());
    t.line = static_cast<int>(line);
    t.column = static_cast<int>(pos - line_starts_[line - 1] + 1);
    return t;
  }

  void Push(TokenKind kind, std::string text, size_t pos) {
    Token t = MakeToken(kind, pos);
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  absl::Status Error(size_t pos, std::string_view message) const {
    Token t = MakeToken(TokenKind::kEnd, pos);
    return absl::InvalidArgumentError(
        base::StrCat("template:", t.line, ":", t.column, ": ", message));
  }

  // Lexes the inside of a tag starting at `pos`; returns the offset after its end marker.
  absl::StatusOr<size_t> LexTag(size_t pos, bool block) {
    int depth = 0;
    last_end_minus_ = last_end_plus_ = false;
    const char close = block ? '%' : '}';
    while (true) {
      while (pos < src_.size() && IsSpace(src_[pos])) ++pos;
      if (pos >= src_.size())
        return Error(pos, block ? "unexpected end of template, expected '%}'"
                                : "unexpected end of template, expected '}}'");
      char c = src_[pos];
      if (depth == 0) {
        bool minus = c == '-' || (block && c == '+');
        size_t at = minus ? pos + 1 : pos;
        if (at + 1 < src_.size() && src_[at] == close && src_[at + 1] == '}') {
          Push(block ? TokenKind::kBlockEnd : TokenKind::kVarEnd, block ? "%}" : "}}", pos);
          last_end_minus_ = c == '-';
          last_end_plus_ = c == '+';
          return at + 2;
        }
      }
      if (IsNameStart(c)) {
        size_t start = pos;
        while (pos < src_.size() && IsNameChar(src_[pos])) ++pos;
        Push(TokenKind::kName, src_.substr(start, pos - start), start);
      } else if (IsDigit(c)) {
        auto next = LexNumber(pos);
        if (!next.ok()) return next.status();
        pos = *next;
      } else if (c == '\'' || c == '"') {
        auto next = LexString(pos);
        if (!next.ok()) return next.status();
        pos = *next;
      } else {
        static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
        std::string_view rest(src_.data() + pos, std::min<size_t>(2, src_.size() - pos));
        std::string op;
        for (std::string_view two : kTwo) {
          if (rest == two) op = std::string(two);
        }
        if (op.empty()) {
          static constexpr std::string_view kOne = "+-*/%~<>()[]{}.,:|=";
          if (kOne.find(c) == std::string_view::npos) {
            return Error(pos, base::StrCat("unexpected character '", std::string(1, c), "'"));
          }
          op = std::string(1, c);
        }
        if (op == "(" || op == "[" || op == "{") ++depth;
        if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
        Push(TokenKind::kOperator, op, pos);
        pos += op.size();
      }
    }
  }

  // If the block tag at `tag` (contents from `inner`) is `{% raw %}`, emits the text up
  // to `{% endraw %}` verbatim and returns the offset after the end tag; otherwise 0.
  absl::StatusOr<size_t> LexRaw(size_t tag, size_t inner, bool* strip_next) {
    size_t p = SkipSpaces(inner);
    if (src_.compare(p, 3, "raw") != 0 || (p + 3 < src_.size() && IsNameChar(src_[p + 3])))
      return 0;
    p = SkipSpaces(p + 3);
    bool minus = p < src_.size() && src_[p] == '-';
    if (minus) ++p;
    if (src_.compare(p, 2, "%}") != 0) return 0;
    size_t begin = p + 2;  // jinja2 applies no trim_blocks after `raw %}`
    if (minus) begin = SkipSpaces(begin);
    // Find {%[-+]? endraw [-+]?%}.
    size_t search = begin;
    while (true) {
      size_t end_tag = src_.find("{%", search);
      if (end_tag == std::string::npos) return Error(tag, "missing '{% endraw %}'");
      size_t q = end_tag + 2;
      char sign = q < src_.size() ? src_[q] : '\0';
      if (sign == '-' || sign == '+') ++q;
      q = SkipSpaces(q);
      if (src_.compare(q, 6, "endraw") != 0) {
        search = end_tag + 2;
        continue;
      }
      q = SkipSpaces(q + 6);
      char end_sign = q < src_.size() ? src_[q] : '\0';
      if (end_sign == '-' || end_sign == '+') ++q;
      if (src_.compare(q, 2, "%}") != 0) {
        search = end_tag + 2;
        continue;
      }
      std::string text = src_.substr(begin, end_tag - begin);
      if (sign == '-') {
        size_t n = text.size();
        while (n > 0 && IsSpace(text[n - 1])) --n;
        text.resize(n);
      } else if (sign != '+') {
        size_t line_pos = text.rfind('\n');
        line_pos = line_pos == std::string::npos ? 0 : line_pos + 1;
        bool all_space = line_pos < text.size() && (line_pos > 0 || src_[begin - 1] == '\n');
        for (size_t i = line_pos; i < text.size(); ++i) all_space = all_space && IsSpace(text[i]);
        if (all_space) text.resize(line_pos);
      }
      AddText(std::move(text), begin);
      size_t after = q + 2;
      if (end_sign == '-') {
        *strip_next = true;
      } else if (end_sign != '+' && after < src_.size() && src_[after] == '\n') {
        ++after;
      }
      return after;
    }
  }

  size_t SkipSpaces(size_t p) const {
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    return p;
  }

  absl::StatusOr<size_t> LexNumber(size_t pos) {
    size_t start = pos;
    std::string digits;
    auto read_digits = [&]() {
      while (pos < src_.size() &&
             (IsDigit(src_[pos]) ||
              (src_[pos] == '_' && pos + 1 < src_.size() && IsDigit(src_[pos + 1])))) {
        if (src_[pos] != '_') digits.push_back(src_[pos]);
        ++pos;
      }
    };
    read_digits();
    bool is_float = false;
    bool after_dot = start > 0 && src_[start - 1] == '.';  // `a.0.1` is two item lookups
    if (!after_dot && pos + 1 < src_.size() && src_[pos] == '.' && IsDigit(src_[pos + 1])) {
      is_float = true;
      digits.push_back('.');
      ++pos;
      read_digits();
    }
    if (!after_dot && pos < src_.size() && (src_[pos] == 'e' || src_[pos] == 'E')) {
      size_t save = pos;
      std::string save_digits = digits;
      digits.push_back('e');
      ++pos;
      if (pos < src_.size() && (src_[pos] == '+' || src_[pos] == '-'))
        digits.push_back(src_[pos++]);
      if (pos < src_.size() && IsDigit(src_[pos])) {
        is_float = true;
        read_digits();
      } else {
        pos = save;
        digits = save_digits;
      }
    }
    Token t = MakeToken(is_float ? TokenKind::kFloat : TokenKind::kInt, start);
    t.text = src_.substr(start, pos - start);
    if (is_float) {
      t.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      auto res = std::from_chars(digits.data(), digits.data() + digits.size(), t.int_value);
      if (res.ec != std::errc()) {
        t.kind = TokenKind::kFloat;
        t.float_value = std::strtod(digits.c_str(), nullptr);
      }
    }
    tokens_.push_back(std::move(t));
    return pos;
  }

  absl::StatusOr<size_t> LexString(size_t pos) {
    size_t start = pos;
    char quote = src_[pos++];
    std::string value;
    while (true) {
      if (pos >= src_.size()) return Error(start, "unterminated string literal");
      char c = src_[pos];
      if (c == quote) {
        ++pos;
        break;
      }
      if (c != '\\') {
        value.push_back(c);
        ++pos;
        continue;
      }
      if (pos + 1 >= src_.size()) return Error(start, "unterminated string literal");
      char e = src_[pos + 1];
      pos += 2;
      switch (e) {
        case 'n':
          value.push_back('\n');
          break;
        case 't':
          value.push_back('\t');
          break;
        case 'r':
          value.push_back('\r');
          break;
        case '0':
          value.push_back('\0');
          break;
        case 'a':
          value.push_back('\a');
          break;
        case 'b':
          value.push_back('\b');
          break;
        case 'f':
          value.push_back('\f');
          break;
        case 'v':
          value.push_back('\v');
          break;
        case '\\':
        case '\'':
        case '"':
          value.push_back(e);
          break;
        case '\n':
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          auto res = pos + len <= src_.size()
                         ? std::from_chars(src_.data() + pos, src_.data() + pos + len, cp, 16)
                         : std::from_chars_result{nullptr, std::errc::invalid_argument};
          if (res.ec != std::errc() || res.ptr != src_.data() + pos + len || cp > 0x10FFFF ||
              (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Error(pos - 2, "invalid escape in string literal");
          }
          AppendUtf8(&value, cp);
          pos += len;
          break;
        }
        default:
          value.push_back('\\');
          value.push_back(e);
      }
    }
    Token t = MakeToken(TokenKind::kString, start);
    t.text = std::move(value);
    tokens_.push_back(std::move(t));
    return pos;
  }

  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
  bool last_end_minus_ = false;
  bool last_end_plus_ = false;
};

std::string NormalizeNewlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Token>> TokenizeJinja(std::string_view source) {
  return Lexer(NormalizeNewlines(source)).Run();
}

}  // namespace tracemill::text
