// `tracemill model init`: a randomly initialised model in the Hugging Face layout,
// together with real tokenizer files, so tests and the demo have a model without any
// download.
#ifndef TRACEMILL_LIBS_MODEL_MODEL_INIT_H_
#define TRACEMILL_LIBS_MODEL_MODEL_INIT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "libs/model/qwen3_config.h"
#include "libs/model/qwen3_model.h"

namespace tracemill::model {

struct InitOptions {
  std::string out_dir;
  Qwen3Config config;
  uint64_t seed = 0;
  WeightDType dtype = WeightDType::kFloat32;
  // A directory with tokenizer.json and tokenizer_config.json (and, if present,
  // generation_config.json / chat_template.jinja) to copy beside the weights.
  std::string tokenizer_from;
};

// Writes config.json, model.safetensors, generation_config.json and the tokenizer files
// into out_dir (created if needed). The tokenizer's vocabulary must fit the config's
// vocab_size. InvalidArgument / NotFound name the file at fault.
absl::Status InitModel(const InitOptions& options);

// Copies the tokenizer and generation files present in `from` (tokenizer.json,
// tokenizer_config.json, chat_template.jinja, vocab.json, merges.txt,
// generation_config.json) into `to`, so a directory of trained weights is a complete
// model. InternalError names a file that could not be copied.
absl::Status CopyTokenizerFiles(const std::string& from, const std::string& to);

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_MODEL_INIT_H_
