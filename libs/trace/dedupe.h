// Exact de-duplication of traces by content.
//
// Two runs that produced the same conversation are duplicates even when the collector
// gave them different trace ids, timestamps or tool-call ids. ContentHash hashes only
// what a trainer would see (messages and tools), in a canonical form.
#ifndef TRACEMILL_LIBS_TRACE_DEDUPE_H_
#define TRACEMILL_LIBS_TRACE_DEDUPE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "libs/base/sha256.h"
#include "libs/trace/trace.h"

namespace tracemill::trace {

// SHA-256 over a canonical form of (messages, tools):
//  - each message as its OpenAI JSON without tracemill's marks or unknown fields
//    (MessageToJson(m, false)), object keys sorted (base::CanonicalJson);
//  - tool-call ids and tool_call_ids replaced by their ordinal of first appearance in the
//    trace, so pairing is kept but the ids' values do not matter;
//  - tool-call arguments canonicalised when base::ParseJson accepts them (whitespace and
//    key order do not matter), kept verbatim otherwise (not JSON, or nested too deeply);
//  - tools in their order, keys sorted.
// Trace id, run/task ids, timestamp, model, endpoint, sampling, usage, timings, outcome,
// provenance and `extra` are not part of the hash.
base::Sha256::Digest ContentHash(const Trace& trace);

// Remembers the content hashes seen so far; keeps 16 bytes of each digest in an
// open-addressing table (16-43 bytes per unique trace, depending on the load), so 10M
// traces take about 200-450 MB. Not thread-safe.
class Deduper {
 public:
  Deduper() = default;

  // True if the trace's content was not seen before (and remembers it).
  bool Insert(const Trace& trace);
  bool InsertHash(const base::Sha256::Digest& digest);

  // Sizes the table for `n` unique traces, avoiding rehashes while it fills.
  void Reserve(size_t n);

  int64_t duplicates() const { return duplicates_; }
  int64_t unique() const { return unique_; }

 private:
  struct Key {
    uint64_t a = 0;
    uint64_t b = 0;
    bool operator==(const Key&) const = default;
  };

  bool InsertKey(const Key& key);
  void Rehash(size_t capacity);

  std::vector<Key> slots_;     // capacity a power of two; {0, 0} marks an empty slot
  bool has_zero_key_ = false;  // the all-zero key lives here, not in slots_
  int64_t unique_ = 0;
  int64_t duplicates_ = 0;
};

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_DEDUPE_H_
