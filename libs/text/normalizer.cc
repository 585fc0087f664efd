#include "libs/text/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

namespace tracemill::text {

std::string ToValidUtf8Lossy(std::string_view text) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size() + 8);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Length of the sequence and the allowed range of its second byte (Unicode Table 3-7).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    if (len == 0) {
      out.append(kReplacement);
      ++i;
      continue;
    }
    // Consume the longest valid prefix; an incomplete one is replaced by one U+FFFD.
    size_t j = i + 1;
    bool ok = true;
    for (size_t k = 1; k < len; ++k, ++j) {
      unsigned char lower = k == 1 ? lo : 0x80;
      unsigned char upper = k == 1 ? hi : 0xBF;
      if (j >= n || s[j] < lower || s[j] > upper) {
        ok = false;
        break;
      }
    }
    if (ok) {
      out.append(text.substr(i, len));
    } else {
      out.append(kReplacement);
    }
    i = j;
  }
  return out;
}

std::string NfcNormalize(std::string_view utf8) {
  bool maybe = false;
  for (unsigned char c : utf8) {
    if (c >= 0xCC) {
      maybe = true;
      break;
    }
  }
  if (!maybe) return std::string(utf8);
  utf8proc_uint8_t* result = nullptr;
  utf8proc_ssize_t len =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                   static_cast<utf8proc_ssize_t>(utf8.size()), &result,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (len < 0) return std::string(utf8);  // invalid UTF-8 is repaired before this point
  std::string out(reinterpret_cast<char*>(result), static_cast<size_t>(len));
  std::free(result);
  return out;
}

}  // namespace tracemill::text
