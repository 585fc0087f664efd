// Train/eval split assignment.
//
// A trace's rows share its id (`Row::original_id`), and the split is a function of that
// id and a seed alone, so every row of a trace lands in the same split (no prefix of an
// eval conversation leaks into training), and reruns on any machine, in any input order
// or process, agree.
//
// The hash, for reimplementation elsewhere: h = FNV-1a 64 (offset basis
// 0xcbf29ce484222325, prime 0x100000001b3) over the 8 bytes of `seed` in little-endian
// order followed by the bytes of the id; then the splitmix64 finaliser
// (h ^= h >> 30; h *= 0xbf58476d1ce4e5b9; h ^= h >> 27; h *= 0x94d049bb133111eb;
// h ^= h >> 31); u = (h >> 11) * 2^-53, in [0, 1). The id is "eval" iff u < eval_ratio.
//
// Plain functions; thread-safe.
#ifndef TRACEMILL_LIBS_TRACE_SPLIT_H_
#define TRACEMILL_LIBS_TRACE_SPLIT_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace tracemill::trace {

inline constexpr std::string_view kTrainSplit = "train";
inline constexpr std::string_view kEvalSplit = "eval";

struct SplitOptions {
  double eval_ratio = 0.1;  // fraction of traces in eval, in [0, 1]
  uint64_t seed = 42;
};

// InvalidArgument unless eval_ratio is a number in [0, 1].
absl::Status ValidateSplitOptions(const SplitOptions& options);

// "train" or "eval" (kTrainSplit / kEvalSplit; static storage). eval_ratio 0 puts every
// id in train, 1 every id in eval. Options are expected to be valid; a NaN ratio gives
// train.
std::string_view AssignSplit(std::string_view original_id, const SplitOptions& options);

// The id's position in [0, 1) for `seed`, as described above (exposed for tests and
// tools that want to reproduce the split).
double SplitPosition(std::string_view original_id, uint64_t seed);

// Exact-count splitting, for when all ids are known up front (a two-pass build): the
// eval set is the round(eval_ratio * n) ids with the smallest positions, so a corpus of
// 20 traces at 0.1 gets exactly 2 eval traces rather than 2 on average. Returns the cut:
// an id is eval iff SplitPosition(id, seed) < cut. Still a function of (seed, set of ids)
// alone, independent of input order.
double ExactSplitCut(std::vector<double> positions, double eval_ratio);

// "eval" if position < cut, else "train".
std::string_view SplitForPosition(double position, double cut);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_SPLIT_H_
