// Shared by the tests that compare libs/model with an independent PyTorch script run by
// Debian's python3-torch (/usr/bin/python3, which scripts/deps.sh installs).
#ifndef TRACEMILL_TESTS_PYTHON_REFERENCE_H_
#define TRACEMILL_TESTS_PYTHON_REFERENCE_H_

#include <cstdlib>

#include "libs/model/qwen3_config.h"

namespace tracemill {

inline bool HasPythonTorch() { return std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") == 0; }

// A small Qwen3 that still exercises every part: GQA, q/k norms, an untied lm_head, RoPE.
inline model::Qwen3Config ReferenceConfig() {
  model::Qwen3Config c = *model::Qwen3Preset("tiny");
  c.vocab_size = 512;
  c.num_hidden_layers = 3;
  c.tie_word_embeddings = false;
  c.rope_theta = 10000.0;
  return c;
}

}  // namespace tracemill

#endif  // TRACEMILL_TESTS_PYTHON_REFERENCE_H_
