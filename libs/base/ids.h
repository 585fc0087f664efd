// Sortable unique ids, and ids derived from inputs.
//
// NewId() returns a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits,
// formatted as 36 lowercase hex characters with dashes. Ids made later sort after ids
// made earlier (to the millisecond), so trace files and queues list in creation order.
// DerivedId(key) is a pure function of `key` with the same shape (version 8, "custom"):
// a seeded run names its traces from its inputs, so a rerun gives the same bytes.
// Thread-safe.
#ifndef TRACEMILL_LIBS_BASE_IDS_H_
#define TRACEMILL_LIBS_BASE_IDS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tracemill::base {

std::string NewId();

// A UUIDv8 from a 128-bit hash of `key`: equal keys give equal ids.
std::string DerivedId(std::string_view key);

// The UUIDv7 for a given time and 74 random bits (for tests and replays).
std::string UuidV7(uint64_t unix_ms, uint64_t rand_hi, uint64_t rand_lo);

// True if `text` has the 8-4-4-4-12 lowercase-hex UUID shape.
bool LooksLikeUuid(std::string_view text);

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_IDS_H_
