// Input normalization before pre-tokenization: lossy UTF-8 repair and Unicode NFC.
// Plain functions; thread-safe.
#ifndef TRACEMILL_LIBS_TEXT_NORMALIZER_H_
#define TRACEMILL_LIBS_TEXT_NORMALIZER_H_

#include <string>
#include <string_view>

namespace tracemill::text {

// `text` with every maximal invalid UTF-8 subsequence replaced by U+FFFD, exactly as
// Rust's String::from_utf8_lossy and JavaScript's TextDecoder do (the WHATWG rule).
std::string ToValidUtf8Lossy(std::string_view text);

// The NFC form of `utf8` (valid UTF-8), via utf8proc. Text with no byte >= 0xCC (all
// code points below U+0300, none of which composes with anything before it) is returned
// unchanged without calling utf8proc.
std::string NfcNormalize(std::string_view utf8);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_NORMALIZER_H_
