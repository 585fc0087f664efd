// Copy pre-training: synthetic rows that teach a student from scratch to copy a span it
// has seen earlier in its context, before it sees a single task.
//
//   std::vector<Example> rows = CopyExamples({.count = 4800, .token_limit = 151643,
//                                             .digits = DigitIds(tokenizer), .seed = 1});
//
// A tool-using agent copies all the time: a path from the prompt into a call's arguments,
// a line of a tool result into the answer. A small random student trained on a few hundred
// teacher rows learns the rows' entities instead (it writes `note-13.txt`, seen in
// training, for a task about `note-116.txt`). Rows of random tokens cannot be memorised,
// so the only way to predict them is to copy: the student grows induction heads (attend to
// the token after an earlier occurrence of the current one, copy it) in a few hundred
// steps, which the fine-tune then uses.
//
// Two kinds, alternating:
//   repeat  L/2 random tokens, then the same L/2 again; targets: the second copy;
//   span    L random tokens with runs of 1-4 digits (numbers are tokenized digit by digit,
//           so a copy must tell "1 1 6" from "1 6 1" by more than one token of context);
//           a span of 6-24 tokens of the first half, starting on a non-digit token (the
//           cue), reappears in the second; targets: the reappearing span after its cue.
// Tokens are drawn uniformly from [0, token_limit) (pass the first special token's id so no
// special token appears); no task entity is built in, so they hold nothing held out.
#ifndef TRACEMILL_LIBS_TRAIN_COPY_EXAMPLES_H_
#define TRACEMILL_LIBS_TRAIN_COPY_EXAMPLES_H_

#include <cstdint>
#include <vector>

#include "libs/train/batch.h"

namespace tracemill::text {
class Tokenizer;
}

namespace tracemill::train {

struct CopyOptions {
  int64_t count = 0;
  int64_t length = 128;  // tokens per row (even, >= 64)
  int32_t token_limit = 0;  // tokens come from [0, token_limit)
  std::vector<int32_t> digits;  // the tokens of "0".."9"; empty: no digit runs
  uint64_t seed = 1;
};

// Deterministic in the options.
std::vector<Example> CopyExamples(const CopyOptions& options);

// The ten tokens "0".."9" of `tokenizer`, when each digit is one token (Qwen's, Llama 3's
// tokenizers split numbers into digits); empty otherwise.
std::vector<int32_t> DigitIds(const text::Tokenizer& tokenizer);

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_COPY_EXAMPLES_H_
