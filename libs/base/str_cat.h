// StrCat for std::string_view and absl::string_view alike.
//
// Debian's Abseil is built with its own absl::string_view (not std::string_view), so
// base::StrCat rejects std::string_view arguments. tracemill code uses std::string_view;
// this StrCat takes strings of either kind, characters, integers and floating point.
#ifndef TRACEMILL_LIBS_BASE_STR_CAT_H_
#define TRACEMILL_LIBS_BASE_STR_CAT_H_

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace tracemill::base {
namespace str_cat_internal {

inline void Append(std::string* out, std::string_view s) { out->append(s); }
inline void Append(std::string* out, const std::string& s) { out->append(s); }
inline void Append(std::string* out, const char* s) { out->append(s); }
#if !defined(ABSL_USES_STD_STRING_VIEW)
inline void Append(std::string* out, absl::string_view s) { out->append(s.data(), s.size()); }
#endif
inline void Append(std::string* out, char c) { out->push_back(c); }
inline void Append(std::string* out, bool b) { out->append(b ? "true" : "false"); }

template <typename T>
requires(std::is_arithmetic_v<T> && !std::is_same_v<T, char> &&
         !std::is_same_v<T, bool>) void Append(std::string* out, T value) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, res.ptr);
}

}  // namespace str_cat_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (str_cat_internal::Append(&out, args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (str_cat_internal::Append(out, args), ...);
}

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_STR_CAT_H_
