#include "libs/train/copy_examples.h"

#include <algorithm>
#include <random>
#include <string>

#include "libs/text/tokenizer.h"

namespace tracemill::train {
namespace {

Example Repeat(std::mt19937_64& rng, int64_t length, int32_t limit) {
  std::uniform_int_distribution<int32_t> token(0, limit - 1);
  const int64_t half = length / 2;
  Example e;
  e.ids.resize(static_cast<size_t>(length));
  e.target.assign(static_cast<size_t>(length), 0);
  for (int64_t i = 0; i < half; ++i) e.ids[i] = e.ids[i + half] = token(rng);
  // The second copy's first token cannot be known; every later one can.
  for (int64_t i = half + 1; i < length; ++i) e.target[i] = 1;
  return e;
}

Example Span(std::mt19937_64& rng, int64_t length, int32_t limit, const std::vector<int32_t>& digits) {
  std::uniform_int_distribution<int32_t> token(0, limit - 1);
  std::uniform_real_distribution<double> coin(0, 1);
  Example e;
  while (static_cast<int64_t>(e.ids.size()) < length) {
    if (!digits.empty() && coin(rng) < 0.3) {
      const int run = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < run; ++i) e.ids.push_back(digits[rng() % digits.size()]);
    } else {
      e.ids.push_back(token(rng));
    }
  }
  e.ids.resize(static_cast<size_t>(length));
  e.target.assign(static_cast<size_t>(length), 0);
  const int64_t half = length / 2;
  const int64_t span = 6 + static_cast<int64_t>(rng() % 19);  // 6..24
  // The span starts on a token that is not a digit: a digit cue is repeated all over the
  // row, and no context could tell which of its occurrences the copy starts from.
  int64_t from = 0;
  for (int tries = 0; tries < 32; ++tries) {
    from = static_cast<int64_t>(rng() % static_cast<uint64_t>(half - span));
    if (std::find(digits.begin(), digits.end(), e.ids[from]) == digits.end()) break;
  }
  const int64_t to = half + static_cast<int64_t>(rng() % static_cast<uint64_t>(half - span));
  std::copy_n(e.ids.begin() + from, span, e.ids.begin() + to);
  for (int64_t i = to + 1; i < to + span; ++i) e.target[i] = 1;
  return e;
}

}  // namespace

std::vector<Example> CopyExamples(const CopyOptions& o) {
  std::vector<Example> out;
  if (o.count <= 0 || o.length < 64 || o.token_limit < 2) return out;
  const int64_t length = o.length & ~int64_t{1};
  std::mt19937_64 rng(o.seed);
  out.reserve(static_cast<size_t>(o.count));
  for (int64_t i = 0; i < o.count; ++i) {
    out.push_back(i % 2 == 0 ? Repeat(rng, length, o.token_limit) : Span(rng, length, o.token_limit, o.digits));
  }
  return out;
}

std::vector<int32_t> DigitIds(const text::Tokenizer& tokenizer) {
  std::vector<int32_t> out;
  for (char c = '0'; c <= '9'; ++c) {
    const std::vector<int32_t> ids = tokenizer.Encode(std::string(1, c));
    if (ids.size() != 1) return {};
    out.push_back(ids[0]);
  }
  // "10" must be two tokens, or numbers are not split into digits.
  if (tokenizer.Encode("10").size() != 2) return {};
  return out;
}

}  // namespace tracemill::train
