// Byte-level BPE model: vocabulary, merge ranks, and the merge loop on one pre-token.
//
// Tokens are spelled in the GPT-2 byte-level alphabet (byte_level.h). EncodeWord takes
// the raw bytes of one pre-token, maps each byte to its one-character token, and applies
// merges lowest rank first (leftmost first among equal ranks), exactly as Hugging Face
// tokenizers' BPE does without dropout.
//
// Thread-safety: immutable after Create(); concurrent const use is safe. Each thread
// keeps its own cache of recently encoded short words (bounded, a few MB at most).
#ifndef TRACEMILL_LIBS_TEXT_BPE_MODEL_H_
#define TRACEMILL_LIBS_TEXT_BPE_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace tracemill::text {

class BpeModel {
 public:
  struct Options {
    // Llama 3 style: a pre-token that is itself in the vocabulary is emitted whole.
    bool ignore_merges = false;
  };

  // `vocab` maps byte-level token text to id (ids >= 0, unique). Each merge names two
  // vocabulary tokens whose concatenation is also in the vocabulary; its rank is its
  // index (a repeated pair keeps the last rank, as Hugging Face does). Errors are
  // InvalidArgument naming `where` and the offending entry.
  static absl::StatusOr<std::unique_ptr<BpeModel>> Create(
      std::vector<std::pair<std::string, int32_t>> vocab,
      const std::vector<std::pair<std::string, std::string>>& merges, const Options& options,
      std::string_view where);

  // Appends the ids of the pre-token whose raw bytes are `bytes`. Bytes whose
  // byte-level character is not in the vocabulary are dropped (there is no unknown token).
  void EncodeWord(std::string_view bytes, std::vector<int32_t>* ids) const;

  // -1 if `token` is not in the vocabulary.
  int32_t TokenToId(std::string_view token) const;
  // Empty if `id` is not in the vocabulary.
  std::string_view IdToToken(int32_t id) const;
  // One more than the largest id.
  int32_t vocab_size() const { return static_cast<int32_t>(id_to_token_.size()); }
  size_t num_merges() const { return merges_.size(); }

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };
  static uint64_t PairKey(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const Merge* FindMerge(int32_t a, int32_t b) const {
    auto it = merges_.find(PairKey(a, b));
    return it == merges_.end() ? nullptr : &it->second;
  }
  void MergeShort(std::vector<int32_t>* symbols) const;
  void MergeLong(std::vector<int32_t>* symbols) const;

  BpeModel() = default;

  Options options_;
  uint64_t serial_ = 0;  // keys the per-thread word caches; unique per model
  absl::flat_hash_map<std::string, int32_t> token_to_id_;
  std::vector<std::string> id_to_token_;
  absl::flat_hash_map<uint64_t, Merge> merges_;
  int32_t byte_ids_[256];
};

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_BPE_MODEL_H_
