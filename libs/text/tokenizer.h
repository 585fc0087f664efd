// Tokenizer: a Hugging Face `tokenizer.json` with a byte-level BPE model (Qwen2/Qwen3,
// GPT-2, Llama 3 families), encoding text to ids and back, id-for-id identical to
// Hugging Face tokenizers.
//
// Encode pipeline: (1) invalid UTF-8 is repaired lossily, each maximal invalid
// subsequence becoming U+FFFD — what Hugging Face gets when handed such bytes from
// Python (errors="replace") or JavaScript; so encoding invalid UTF-8 never fails, and
// decode(encode(x)) returns the repaired text; (2) added tokens are cut out of the raw
// text (`<|im_start|>` in the text is the control token, whatever its origin: escape
// untrusted text first); (3) the rest is NFC-normalized when the file asks for it, and
// normalized added tokens are cut out; (4) the Split regexes pre-tokenize; (5) each
// piece's bytes go through byte-level BPE. Encode adds no BOS/EOS (chat templates write
// them into the text); EncodeWithSpecialTokens adds what a TemplateProcessing
// post_processor puts around a single sequence (Hugging Face's add_special_tokens=True:
// Llama 3's <|begin_of_text|>).
//
// Decode maps ids to token strings (unknown ids are skipped), byte-level decodes them,
// and repairs the result into valid UTF-8 the same lossy way.
//
// Regex classes \p{L} etc. follow Oniguruma's newer Unicode tables (unicode_classes.h).
//
// Supported file contents: model BPE (merges as "a b" or ["a","b"], byte_fallback false,
// no dropout, no subword prefix/suffix, ignore_merges either way); normalizer null, NFC,
// or a Sequence of those; pre_tokenizer a ByteLevel (add_prefix_space false) and/or
// Splits with behavior Isolated, alone or in a Sequence; decoder null or ByteLevel;
// added tokens without single_word/lstrip/rstrip; post_processor null, ByteLevel,
// TemplateProcessing, or a Sequence of those. Anything else is an error naming the
// file and field — never a crash.
//
// Thread-safety: immutable after construction; concurrent const use is safe.
#ifndef TRACEMILL_LIBS_TEXT_TOKENIZER_H_
#define TRACEMILL_LIBS_TEXT_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tracemill::text {

class AddedVocabulary;
class BpeModel;
class PreTokenizer;

class Tokenizer {
 public:
  // Reads and parses `path`. NotFound etc. from the read; InvalidArgument naming the
  // file and the field for contents it cannot use.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromFile(const std::string& path);
  // Parses `json` (the text of a tokenizer.json); `where` names it in errors.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromJson(std::string_view json,
                                                             std::string_view where);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  std::vector<int32_t> Encode(std::string_view text) const;
  // Appends the ids of `text` to `ids`.
  void EncodeTo(std::string_view text, std::vector<int32_t>* ids) const;
  // Encode, with the post_processor's special tokens around the result.
  std::vector<int32_t> EncodeWithSpecialTokens(std::string_view text) const;
  // Encodes every text, on `threads` threads (0: one per core); result i is Encode(texts[i]).
  std::vector<std::vector<int32_t>> EncodeBatch(const std::vector<std::string_view>& texts,
                                                int threads = 0) const;
  std::string Decode(const std::vector<int32_t>& ids) const;
  // Appends the bytes token `id` stands for (nothing for an unknown id); no UTF-8 repair,
  // so a token may be part of a character. The tokens of Encode(text) concatenate to
  // `text` (NFC-normalized if normalizes_nfc(); repaired if it was invalid UTF-8).
  void AppendTokenBytes(int32_t id, std::string* out) const;
  // Whether Encode NFC-normalizes text outside added tokens.
  bool normalizes_nfc() const { return nfc_; }

  // The id of a token (added tokens first, then the BPE vocabulary, spelled in the
  // byte-level alphabet: " the" is "Ġthe"); -1 if none.
  int32_t TokenToId(std::string_view token) const;
  // The token string of `id`; empty if none.
  std::string_view IdToToken(int32_t id) const;
  // One more than the largest id of the vocabulary and added tokens (151669 for Qwen3;
  // the model's embedding may have padding rows beyond it).
  int32_t vocab_size() const { return vocab_size_; }

 private:
  Tokenizer();
  void EncodeNormalized(std::string_view text, std::vector<int32_t>* ids) const;
  void EncodeOrdinary(std::string_view text, std::vector<int32_t>* ids) const;

  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<AddedVocabulary> added_;
  std::vector<int32_t> special_prefix_;
  std::vector<int32_t> special_suffix_;
  bool nfc_ = false;
  bool byte_level_decoder_ = true;
  int32_t vocab_size_ = 0;
};

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_TOKENIZER_H_
