// Keys and values of earlier tokens, per decoder layer, for incremental decoding of a
// batch of sequences (Qwen3Model with ForwardOptions::kv_cache).
//
//   KvCache cache(config.num_hidden_layers);
//   model.Hidden(prompt, {.kv_cache = &cache});       // prefill: [1, T], cache row 0
//   model.Hidden(next_token, {.kv_cache = &cache});   // one step: [1, 1]
//
// Layout: per layer one key and one value tensor [rows, kv_heads, capacity, head_dim]
// (post-RoPE keys, not repeated for grouped-query heads). Row r holds lengths()[r] tokens
// in slots [0, length); the rest of the row is padding that attention masks out, so rows
// of different lengths decode together. Capacity grows by doubling. Rows join with
// Append (a sequence prefilled on its own) and leave with Keep.
//
// Not thread-safe; one forward at a time.
#ifndef TRACEMILL_LIBS_MODEL_KV_CACHE_H_
#define TRACEMILL_LIBS_MODEL_KV_CACHE_H_

#include <cstdint>
#include <memory>
#include <vector>

namespace at {
class Tensor;
}

namespace tracemill::model {

class KvCache {
 public:
  explicit KvCache(int64_t layers);
  ~KvCache();
  KvCache(KvCache&&) noexcept;
  KvCache& operator=(KvCache&&) noexcept;

  int64_t layers() const;
  // Sequences in the cache (0 before the first forward, which sets it to the batch size).
  int64_t rows() const;
  // Tokens cached per row.
  const std::vector<int64_t>& lengths() const;
  // Bytes held by the key/value tensors.
  int64_t bytes() const;

  // Used by the model's forward. Writes `k`, `v` [rows, kv_heads, T, head_dim] of `layer`
  // at slots [length, length + T) of each row and sets *keys / *values to views
  // [rows, kv_heads, S, head_dim], S = max(lengths) + T. The first call on an empty
  // cache sets rows() to k.size(0).
  void Update(int64_t layer, const at::Tensor& k, const at::Tensor& v, at::Tensor* keys,
              at::Tensor* values);
  // After every layer was updated with T new tokens: lengths += T.
  void Advance(int64_t tokens);

  // Moves the rows of `other` (same layers, dtype and device) after this cache's rows;
  // `other` is left empty.
  void Append(KvCache&& other);
  // Keeps only `rows` (indices into the current rows, in the new order).
  void Keep(const std::vector<int64_t>& rows);
  void Clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_KV_CACHE_H_
