// Regex pre-tokenizer: Hugging Face's `Split` with behavior "Isolated".
//
// Each pattern cuts a piece into its matches and the gaps between them, all kept, in
// order; several patterns apply one after another (a `Sequence` of Splits). Patterns
// run through PCRE2 in UTF + UCP mode (JIT-compiled), so \p{L}, \p{N} and \s are the
// Unicode classes that Oniguruma, the engine of Hugging Face tokenizers, uses — widened
// to Oniguruma's newer Unicode tables (unicode_classes.h).
//
// Thread-safety: immutable after Create(); concurrent const use is safe (per-thread
// match state).
#ifndef TRACEMILL_LIBS_TEXT_PRE_TOKENIZER_H_
#define TRACEMILL_LIBS_TEXT_PRE_TOKENIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tracemill::text {

// GPT-2's pattern, used by a ByteLevel pre-tokenizer with use_regex=true.
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class PreTokenizer {
 public:
  // Compiles `patterns` (possibly none: then a text is one piece). A pattern PCRE2
  // rejects gives InvalidArgument naming `where`, the pattern index and the offset.
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> Create(
      const std::vector<std::string>& patterns, std::string_view where);
  ~PreTokenizer();

  // Appends the pieces of `text` (valid UTF-8) to `pieces`; they view `text` and cover
  // it exactly, in order, with no empty piece.
  void Split(std::string_view text, std::vector<std::string_view>* pieces) const;

 private:
  struct Regex;
  PreTokenizer() = default;
  void SplitOne(const Regex& regex, std::string_view text,
                std::vector<std::string_view>* pieces) const;

  std::vector<std::unique_ptr<Regex>> regexes_;
};

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_PRE_TOKENIZER_H_
