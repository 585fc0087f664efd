// UTF-8 helpers shared by the JSON writer, the schema validator and the curation edits.
// Plain functions; thread-safe.
#ifndef TRACEMILL_LIBS_BASE_UTF8_H_
#define TRACEMILL_LIBS_BASE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace tracemill::base {

// True if `text` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Number of code points (Python's len() of the decoded text) in valid UTF-8.
size_t CodePointCount(std::string_view utf8);

// Byte length of the first `n` code points of `utf8` (all of it if shorter).
size_t CodePointPrefixBytes(std::string_view utf8, size_t n);

// `text` cut to at most `max_bytes` bytes without splitting a code point.
std::string_view CutUtf8(std::string_view text, size_t max_bytes);

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_UTF8_H_
