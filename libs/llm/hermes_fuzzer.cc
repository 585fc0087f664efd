// libFuzzer target for the Hermes output parser (model output is outside input): any
// bytes must parse, with repair and without (strict); in each mode the stream parser fed
// the same bytes in pieces (sizes drawn from a hash of the input) must give exactly the
// whole parse; the output must keep the parser's promises (trimmed text, calls with a
// name and a JSON object); and strict mode may only drop calls, never add or change one
// (its calls are a subsequence of the repairing parse's).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "libs/llm/hermes.h"

namespace {

using tracemill::llm::HermesOutput;

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
}

bool Trimmed(const std::string& s) {
  return s.empty() || (!IsSpace(s.front()) && !IsSpace(s.back()));
}

void CheckPromises(const HermesOutput& out) {
  if (!Trimmed(out.content) || !Trimmed(out.reasoning)) std::abort();
  for (size_t i = 0; i < out.tool_calls.size(); ++i) {
    const auto& c = out.tool_calls[i];
    if (c.index != static_cast<int>(i) || c.name.empty()) std::abort();
    if (c.arguments.size() < 2 || c.arguments.front() != '{' || c.arguments.back() != '}') {
      std::abort();
    }
  }
  for (const auto& p : out.problems) {
    if (p.rfind("byte ", 0) != 0) std::abort();
  }
}

// Pieces of random sizes (empty ones too) from `seed`, or single bytes when it is 0.
HermesOutput FeedInPieces(std::string_view text, uint64_t seed,
                          const tracemill::llm::HermesOptions& options) {
  tracemill::llm::HermesStreamParser parser(options);
  HermesOutput out;
  const uint64_t max_piece = 1 + seed % 24;
  for (size_t pos = 0; pos < text.size();) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    const size_t size = seed == 0 ? 1 : seed % (max_piece + 1);
    AppendHermesDelta(parser.Feed(text.substr(pos, size)), &out);
    pos += size;
  }
  AppendHermesDelta(parser.Finish(), &out);
  return out;
}

// Whether the calls of `strict`, index aside, appear in order among those of `repaired`.
bool CallsAreASubsequence(const HermesOutput& strict, const HermesOutput& repaired) {
  size_t j = 0;
  for (const auto& c : strict.tool_calls) {
    while (j < repaired.tool_calls.size() && (repaired.tool_calls[j].name != c.name ||
                                              repaired.tool_calls[j].arguments != c.arguments)) {
      ++j;
    }
    if (j == repaired.tool_calls.size()) return false;
    ++j;
  }
  return true;
}

HermesOutput CheckMode(std::string_view text, uint64_t hash,
                       const tracemill::llm::HermesOptions& options) {
  const HermesOutput whole = ParseHermes(text, options);
  CheckPromises(whole);
  if (FeedInPieces(text, hash | 1, options) != whole) std::abort();
  if (text.size() <= 4096 && FeedInPieces(text, /*seed=*/0, options) != whole) std::abort();
  return whole;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  tracemill::llm::HermesOptions options;
  options.start = static_cast<tracemill::llm::HermesStart>(hash % 3);
  const HermesOutput repaired = CheckMode(text, hash, options);
  options.repair = false;
  const HermesOutput strict = CheckMode(text, hash, options);
  if (!CallsAreASubsequence(strict, repaired)) std::abort();
  return 0;
}
