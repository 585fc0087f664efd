#include "libs/trace/split.h"

#include <algorithm>
#include <cmath>

#include "libs/base/str_cat.h"

namespace tracemill::trace {

absl::Status ValidateSplitOptions(const SplitOptions& options) {
  // Written so that NaN fails too.
  if (!(options.eval_ratio >= 0.0 && options.eval_ratio <= 1.0)) {
    return absl::InvalidArgumentError(
        base::StrCat("split: eval_ratio must be in [0, 1], got ", options.eval_ratio));
  }
  return absl::OkStatus();
}

double SplitPosition(std::string_view original_id, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 0x100000001b3ull;
  };
  for (int i = 0; i < 8; ++i) mix(static_cast<uint8_t>(seed >> (8 * i)));
  for (char c : original_id) mix(static_cast<uint8_t>(c));
  // FNV-1a alone leaves the high bits poorly mixed for short ids; splitmix64 fixes that.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

std::string_view AssignSplit(std::string_view original_id, const SplitOptions& options) {
  if (options.eval_ratio <= 0.0 || std::isnan(options.eval_ratio)) return kTrainSplit;
  if (options.eval_ratio >= 1.0) return kEvalSplit;
  return SplitPosition(original_id, options.seed) < options.eval_ratio ? kEvalSplit : kTrainSplit;
}

double ExactSplitCut(std::vector<double> positions, double eval_ratio) {
  const size_t n = positions.size();
  if (n == 0 || !(eval_ratio > 0)) return 0.0;
  const size_t k =
      std::min(n, static_cast<size_t>(std::llround(eval_ratio * static_cast<double>(n))));
  if (k == 0) return 0.0;
  if (k == n) return 1.0;
  std::nth_element(positions.begin(), positions.begin() + k, positions.end());
  return positions[k];
}

std::string_view SplitForPosition(double position, double cut) {
  return position < cut ? kEvalSplit : kTrainSplit;
}

}  // namespace tracemill::trace
