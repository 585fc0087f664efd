#include "libs/text/unicode_classes.h"

#include <cstdint>
#include <cstdio>

namespace tracemill::text {
namespace {

struct DeltaRange {
  char cls;
  uint32_t first;
  uint32_t last;
};

constexpr DeltaRange kDelta[] = {
#include "libs/text/unicode_delta.inc"
};

// `\x{first}-\x{last}` for every delta range of `cls`, for use inside brackets.
std::string DeltaRanges(char cls) {
  std::string out;
  char buffer[40];
  for (const DeltaRange& r : kDelta) {
    if (r.cls != cls) continue;
    int n = r.first == r.last ? std::snprintf(buffer, sizeof(buffer), "\\x{%X}", r.first)
                              : std::snprintf(buffer, sizeof(buffer), "\\x{%X}-\\x{%X}",
                                              r.first, r.last);
    out.append(buffer, n);
  }
  return out;
}

bool IsWidenedClass(char c) {
  return c == 'L' || c == 'M' || c == 'N' || c == 'P' || c == 'S';
}

// Reads a property after `\p` / `\P` at `pattern[i]` (i points at the letter after the
// backslash). On a widened major class returns it and sets `*end` past the escape.
char MajorClassAt(std::string_view pattern, size_t i, size_t* end) {
  size_t j = i + 1;
  if (j >= pattern.size()) return 0;
  if (pattern[j] == '{') {
    if (j + 2 < pattern.size() && IsWidenedClass(pattern[j + 1]) && pattern[j + 2] == '}') {
      *end = j + 3;
      return pattern[j + 1];
    }
    return 0;
  }
  if (IsWidenedClass(pattern[j])) {
    *end = j + 1;
    return pattern[j];
  }
  return 0;
}

}  // namespace

std::string WidenUnicodeClasses(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() * 2);
  bool in_brackets = false;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char next = pattern[i + 1];
      size_t end = 0;
      char cls = (next == 'p' || next == 'P') ? MajorClassAt(pattern, i + 1, &end) : 0;
      if (cls != 0 && !(next == 'P' && in_brackets)) {
        std::string property = std::string("\\p{") + cls + "}";
        if (in_brackets) {
          out += property + DeltaRanges(cls);
        } else {
          out += (next == 'P' ? "[^" : "[") + property + DeltaRanges(cls) + "]";
        }
        i = end;
        continue;
      }
      if (next == 'Q') {  // \Q...\E: literal text, copied as is
        size_t stop = pattern.find("\\E", i + 2);
        stop = stop == std::string_view::npos ? pattern.size() : stop + 2;
        out.append(pattern.substr(i, stop - i));
        i = stop;
        continue;
      }
      out.append(pattern.substr(i, 2));
      i += 2;
      continue;
    }
    if (!in_brackets && c == '[') {
      in_brackets = true;
      out += c;
      ++i;
      if (i < pattern.size() && pattern[i] == '^') out += pattern[i++];
      if (i < pattern.size() && pattern[i] == ']') out += pattern[i++];  // a literal ']'
      continue;
    }
    if (in_brackets && c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      size_t stop = pattern.find(":]", i + 2);  // a POSIX class like [:alpha:]
      if (stop != std::string_view::npos) {
        out.append(pattern.substr(i, stop + 2 - i));
        i = stop + 2;
        continue;
      }
    }
    if (in_brackets && c == ']') in_brackets = false;
    out += c;
    ++i;
  }
  return out;
}

}  // namespace tracemill::text
