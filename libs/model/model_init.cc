#include "libs/model/model_init.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::model {
namespace {

// The largest id in a tokenizer.json (model vocab and added tokens) plus one.
absl::StatusOr<int64_t> TokenizerVocabSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(base::StrCat("cannot read ", path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(path, ": not valid JSON (", e.what(), ")"));
  }
  int64_t size = 0;
  if (j.contains("model") && j["model"].contains("vocab") && j["model"]["vocab"].is_object()) {
    for (const auto& [token, id] : j["model"]["vocab"].items()) {
      if (id.is_number_integer()) size = std::max<int64_t>(size, id.get<int64_t>() + 1);
    }
  }
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (const auto& t : j["added_tokens"]) {
      if (t.contains("id") && t["id"].is_number_integer()) {
        size = std::max<int64_t>(size, t["id"].get<int64_t>() + 1);
      }
    }
  }
  if (size == 0) return absl::InvalidArgumentError(base::StrCat(path, ": no vocabulary"));
  return size;
}

}  // namespace

absl::Status CopyTokenizerFiles(const std::string& from_dir, const std::string& to_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "vocab.json",
                           "merges.txt", "generation_config.json"}) {
    const fs::path from = fs::path(from_dir) / name;
    if (!fs::exists(from, ec)) continue;
    fs::copy_file(from, fs::path(to_dir) / name, fs::copy_options::overwrite_existing, ec);
    if (ec) return absl::InternalError(base::StrCat("cannot copy ", from.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status InitModel(const InitOptions& options) {
  namespace fs = std::filesystem;
  const std::string tok_json = options.tokenizer_from + "/tokenizer.json";
  const std::string tok_config = options.tokenizer_from + "/tokenizer_config.json";
  TM_ASSIGN_OR_RETURN(int64_t vocab, TokenizerVocabSize(tok_json));
  if (vocab > options.config.vocab_size) {
    return absl::InvalidArgumentError(base::StrCat(
        tok_json, ": ", vocab, " token ids do not fit the model's vocab_size ",
        options.config.vocab_size));
  }
  std::error_code ec;
  if (!fs::exists(tok_config, ec)) {
    return absl::NotFoundError(base::StrCat(tok_config, " does not exist"));
  }
  fs::create_directories(options.out_dir, ec);
  if (ec) {
    return absl::InternalError(base::StrCat("cannot create ", options.out_dir, ": ", ec.message()));
  }
  TM_ASSIGN_OR_RETURN(auto model,
                      Qwen3Model::RandomInit(options.config, options.seed, {options.dtype, "cpu"}));
  TM_RETURN_IF_ERROR(model->Save(options.out_dir, options.dtype));
  TM_RETURN_IF_ERROR(CopyTokenizerFiles(options.tokenizer_from, options.out_dir));
  nlohmann::ordered_json generation = {{"bos_token_id", options.config.bos_token_id},
                                       {"eos_token_id", options.config.eos_token_id},
                                       {"do_sample", false}};
  std::ofstream out(options.out_dir + "/generation_config.json", std::ios::trunc);
  out << generation.dump(2) << "\n";
  if (!out) return absl::InternalError(base::StrCat("cannot write ", options.out_dir,
                                                    "/generation_config.json"));
  return absl::OkStatus();
}

}  // namespace tracemill::model
