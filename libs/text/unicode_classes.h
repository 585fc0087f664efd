// Regex patterns from tokenizer.json files are written for Oniguruma, the engine of
// Hugging Face tokenizers, whose Unicode tables are newer than PCRE2's (Debian 12's
// PCRE2 10.42 has Unicode 14). Code points assigned since (new emoji, new scripts) are
// unassigned to PCRE2, so `\p{S}` would miss 🫟 (U+1FADF) where HF matches it.
//
// WidenUnicodeClasses rewrites a pattern so that \p{L}, \p{M}, \p{N}, \p{P} and \p{S}
// (also \pL and the negated \P{..} outside brackets) cover exactly what Oniguruma's do:
// PCRE2's own class plus the generated ranges of unicode_delta.inc. Everything else is
// copied unchanged, escapes and bracket expressions included. A negated \P{X} inside a
// bracket expression keeps PCRE2's tables (no pattern in the wild uses one).
#ifndef TRACEMILL_LIBS_TEXT_UNICODE_CLASSES_H_
#define TRACEMILL_LIBS_TEXT_UNICODE_CLASSES_H_

#include <string>
#include <string_view>

namespace tracemill::text {

std::string WidenUnicodeClasses(std::string_view pattern);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_UNICODE_CLASSES_H_
