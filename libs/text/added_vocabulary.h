// Added tokens (special and control tokens such as "<|im_start|>") and the split of a
// text on them, before normalization and pre-tokenization.
//
// Matching is leftmost-longest, as Hugging Face's Aho-Corasick matcher does. Each
// token is marked `normalized` (matched in the NFC text) or not (matched in the raw
// text first).
//
// Thread-safety: immutable after construction; concurrent const use is safe.
#ifndef TRACEMILL_LIBS_TEXT_ADDED_VOCABULARY_H_
#define TRACEMILL_LIBS_TEXT_ADDED_VOCABULARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace tracemill::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool normalized = false;
};

class AddedVocabulary {
 public:
  // A piece of text: either a run of ordinary text (`id` < 0) or one added token.
  struct Segment {
    std::string_view text;
    int32_t id;
  };

  AddedVocabulary() = default;
  // `tokens` have unique, non-empty contents (checked by the caller).
  explicit AddedVocabulary(std::vector<AddedToken> tokens);
  AddedVocabulary(const AddedVocabulary&) = delete;
  AddedVocabulary& operator=(const AddedVocabulary&) = delete;

  // Cuts `text` on the tokens whose `normalized` flag equals `normalized`; appends the
  // segments (text segments are never empty) to `out`.
  void Split(std::string_view text, bool normalized, std::vector<Segment>* out) const;

  bool has_normalized() const { return !normalized_.tokens.empty(); }
  // -1 if `content` is not an added token.
  int32_t TokenToId(std::string_view content) const;
  // Null if `id` is not an added token.
  const AddedToken* FindById(int32_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Matcher {
    std::vector<const AddedToken*> tokens;  // longest first
    bool first_byte[256] = {};
  };
  void BuildMatcher(bool normalized, Matcher* matcher) const;

  std::vector<AddedToken> tokens_;
  absl::flat_hash_map<std::string, int32_t> by_content_;
  absl::flat_hash_map<int32_t, size_t> by_id_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_ADDED_VOCABULARY_H_
