#include "libs/text/bpe_model.h"

#include <algorithm>
#include <atomic>
#include <queue>

#include "libs/base/str_cat.h"
#include "libs/text/byte_level.h"

namespace tracemill::text {
namespace {

// Ids are stored densely; refuse absurd ids rather than allocate gigabytes.
constexpr int32_t kMaxId = 1 << 24;

// Words up to this many symbols use the quadratic scan, which beats a heap on short
// words; both apply merges in the same (rank, position) order.
constexpr size_t kShortWord = 48;

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Words up to this many bytes are remembered per thread (most words recur), up to
// kCacheEntries words per thread and model.
constexpr size_t kCacheWordBytes = 32;
constexpr size_t kCacheEntries = 1 << 16;

std::atomic<uint64_t> next_serial{1};

// This thread's word cache for the model with serial number `serial`. A thread keeps
// caches for at most four models; a fifth clears them all (caches of destroyed models
// go that way too).
absl::flat_hash_map<std::string, std::vector<int32_t>>& WordCache(uint64_t serial) {
  thread_local absl::flat_hash_map<uint64_t, absl::flat_hash_map<std::string, std::vector<int32_t>>>
      caches;
  if (caches.size() >= 4 && !caches.contains(serial)) caches.clear();
  auto& cache = caches[serial];
  if (cache.size() >= kCacheEntries) cache.clear();
  return cache;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpeModel>> BpeModel::Create(
    std::vector<std::pair<std::string, int32_t>> vocab,
    const std::vector<std::pair<std::string, std::string>>& merges, const Options& options,
    std::string_view where) {
  std::unique_ptr<BpeModel> model(new BpeModel());
  model->options_ = options;
  model->serial_ = next_serial.fetch_add(1);
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab) {
    if (id < 0 || id >= kMaxId) {
      return absl::InvalidArgumentError(
          base::StrCat(where, ": model.vocab: token \"", token, "\" has out-of-range id ", id));
    }
    max_id = std::max(max_id, id);
  }
  model->id_to_token_.resize(static_cast<size_t>(max_id + 1));
  std::vector<bool> seen(static_cast<size_t>(max_id + 1));
  model->token_to_id_.reserve(vocab.size());
  for (auto& [token, id] : vocab) {
    if (seen[id]) {
      return absl::InvalidArgumentError(
          base::StrCat(where, ": model.vocab: id ", id, " is used by more than one token"));
    }
    seen[id] = true;
    model->token_to_id_[token] = id;
    model->id_to_token_[id] = std::move(token);
  }

  model->merges_.reserve(merges.size());
  std::string joined;
  for (size_t i = 0; i < merges.size(); ++i) {
    const auto& [a, b] = merges[i];
    int32_t a_id = model->TokenToId(a);
    int32_t b_id = model->TokenToId(b);
    joined.assign(a).append(b);
    int32_t new_id = model->TokenToId(joined);
    if (a_id < 0 || b_id < 0 || new_id < 0) {
      std::string_view missing = a_id < 0   ? std::string_view(a)
                                 : b_id < 0 ? std::string_view(b)
                                            : std::string_view(joined);
      return absl::InvalidArgumentError(base::StrCat(where, ": model.merges[", i, "] (\"", a,
                                                     "\", \"", b, "\"): token \"", missing,
                                                     "\" is not in the vocabulary"));
    }
    model->merges_[PairKey(a_id, b_id)] = Merge{static_cast<int32_t>(i), new_id};
  }

  for (int b = 0; b < 256; ++b) {
    model->byte_ids_[b] = model->TokenToId(BytesToByteLevel(std::string(1, static_cast<char>(b))));
  }
  return model;
}

int32_t BpeModel::TokenToId(std::string_view token) const {
  auto it = token_to_id_.find(AbslView(token));
  return it == token_to_id_.end() ? -1 : it->second;
}

std::string_view BpeModel::IdToToken(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return id_to_token_[id];
}

void BpeModel::EncodeWord(std::string_view bytes, std::vector<int32_t>* ids) const {
  if (bytes.empty()) return;
  if (options_.ignore_merges) {
    int32_t whole = TokenToId(BytesToByteLevel(bytes));
    if (whole >= 0) {
      ids->push_back(whole);
      return;
    }
  }
  absl::flat_hash_map<std::string, std::vector<int32_t>>* cache = nullptr;
  if (bytes.size() <= kCacheWordBytes) {
    cache = &WordCache(serial_);
    auto it = cache->find(AbslView(bytes));
    if (it != cache->end()) {
      ids->insert(ids->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (byte_ids_[c] >= 0) symbols.push_back(byte_ids_[c]);
  }
  if (symbols.size() <= kShortWord) {
    MergeShort(&symbols);
  } else {
    MergeLong(&symbols);
  }
  ids->insert(ids->end(), symbols.begin(), symbols.end());
  if (cache != nullptr) cache->emplace(std::string(bytes), std::move(symbols));
}

// Repeatedly merges the lowest-rank adjacent pair, leftmost first. The rank of each
// adjacent pair is looked up once and refreshed only next to a merge.
void BpeModel::MergeShort(std::vector<int32_t>* symbols) const {
  std::vector<int32_t>& s = *symbols;
  if (s.size() < 2) return;
  struct PairRank {
    int32_t rank;
    int32_t new_id;
  };
  constexpr PairRank kNone = {INT32_MAX, -1};
  auto lookup = [&](size_t i) {
    const Merge* m = FindMerge(s[i], s[i + 1]);
    return m == nullptr ? kNone : PairRank{m->rank, m->new_id};
  };
  PairRank pairs[kShortWord];
  size_t n = s.size();
  for (size_t i = 0; i + 1 < n; ++i) pairs[i] = lookup(i);
  while (n > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; ++i) {
      if (pairs[i].rank < pairs[best].rank) best = i;
    }
    if (pairs[best].new_id < 0) break;
    s[best] = pairs[best].new_id;
    for (size_t i = best + 1; i + 1 < n; ++i) s[i] = s[i + 1];
    for (size_t i = best + 1; i + 2 < n; ++i) pairs[i] = pairs[i + 1];
    --n;
    if (best > 0) pairs[best - 1] = lookup(best - 1);
    if (best + 1 < n) pairs[best] = lookup(best);
  }
  s.resize(n);
}

// The same order as MergeShort with a heap over a linked list of symbols, as Hugging
// Face's Word::merge_all does: stale heap entries are skipped when popped.
void BpeModel::MergeLong(std::vector<int32_t>* symbols) const {
  std::vector<int32_t>& s = *symbols;
  const int n = static_cast<int>(s.size());
  std::vector<int> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Entry {
    int32_t rank;
    int pos;
    int32_t new_id;
    bool operator>(const Entry& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (int i = 0; i + 1 < n; ++i) {
    if (const Merge* m = FindMerge(s[i], s[i + 1])) heap.push({m->rank, i, m->new_id});
  }
  while (!heap.empty()) {
    Entry top = heap.top();
    heap.pop();
    if (!alive[top.pos] || next[top.pos] < 0) continue;
    int right = next[top.pos];
    const Merge* m = FindMerge(s[top.pos], s[right]);
    if (m == nullptr || m->new_id != top.new_id) continue;
    s[top.pos] = top.new_id;
    alive[right] = false;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = top.pos;
    if (prev[top.pos] >= 0) {
      int p = prev[top.pos];
      if (const Merge* pm = FindMerge(s[p], s[top.pos])) heap.push({pm->rank, p, pm->new_id});
    }
    if (next[top.pos] >= 0) {
      int q = next[top.pos];
      if (const Merge* nm = FindMerge(s[top.pos], s[q])) heap.push({nm->rank, top.pos, nm->new_id});
    }
  }
  size_t out = 0;
  for (int i = 0; i < n; ++i) {
    if (alive[i]) s[out++] = s[i];
  }
  s.resize(out);
}

}  // namespace tracemill::text
