#include "libs/model/lora.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/model/safetensors.h"
#include "libs/model/torch_dtype.h"

namespace tracemill::model {
namespace {

constexpr char kPrefix[] = "base_model.model.";

std::string LastPart(const std::string& path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

bool IsTarget(const LoraConfig& config, const std::string& path) {
  const std::string last = LastPart(path);
  return std::find(config.target_modules.begin(), config.target_modules.end(), last) !=
         config.target_modules.end();
}

absl::Status Validate(const LoraConfig& c) {
  if (c.r <= 0) return absl::InvalidArgumentError("LoRA r must be positive");
  if (!(c.alpha > 0)) return absl::InvalidArgumentError("LoRA alpha must be positive");
  if (!(c.dropout >= 0 && c.dropout < 1)) {
    return absl::InvalidArgumentError("LoRA dropout must be in [0, 1)");
  }
  if (c.target_modules.empty()) return absl::InvalidArgumentError("no LoRA target modules");
  return absl::OkStatus();
}

}  // namespace

struct LoraAdapters::Pair {
  at::Tensor a;  // [r, in]
  at::Tensor b;  // [out, r]
};

double LoraConfig::scaling() const {
  return use_rslora ? alpha / std::sqrt(static_cast<double>(r)) : alpha / static_cast<double>(r);
}

int64_t LoraParameterCount(const LoraConfig& config, const std::vector<LinearModule>& modules) {
  int64_t n = 0;
  for (const LinearModule& m : modules) {
    if (IsTarget(config, m.path)) n += config.r * (m.in + m.out);
  }
  return n;
}

LoraAdapters::LoraAdapters() = default;
LoraAdapters::~LoraAdapters() = default;

absl::StatusOr<std::unique_ptr<LoraAdapters>> LoraAdapters::Create(
    const LoraConfig& config, const std::vector<LinearModule>& modules, uint64_t seed,
    const std::string& device) {
  TM_RETURN_IF_ERROR(Validate(config));
  std::unique_ptr<LoraAdapters> out(new LoraAdapters());
  out->config_ = config;
  try {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    const at::Device dev(device);
    for (const LinearModule& m : modules) {
      if (!IsTarget(config, m.path)) continue;
      // kaiming_uniform_(a=sqrt(5)): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in).
      const double bound = 1.0 / std::sqrt(static_cast<double>(m.in));
      auto pair = std::make_unique<Pair>();
      pair->a = at::empty({config.r, m.in}, at::kFloat).uniform_(-bound, bound, gen).to(dev);
      pair->b = at::zeros({m.out, config.r}, at::TensorOptions().dtype(at::kFloat).device(dev));
      pair->a.set_requires_grad(true);
      pair->b.set_requires_grad(true);
      out->adapters_[m.path] = std::move(pair);
    }
  } catch (const std::exception& e) {
    return absl::InternalError(base::StrCat("LoRA init: ", e.what()));
  }
  if (out->adapters_.empty()) {
    return absl::InvalidArgumentError("no module of the model matches the LoRA target_modules");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<LoraAdapters>> LoraAdapters::LoadPeft(
    const std::string& dir, const std::vector<LinearModule>& modules, const std::string& device) {
  const std::string config_path = dir + "/adapter_config.json";
  std::ifstream in(config_path, std::ios::binary);
  if (!in) return absl::NotFoundError(base::StrCat("cannot read ", config_path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(config_path, ": not valid JSON (", e.what(), ")"));
  }
  LoraConfig config;
  try {
    if (j.value("peft_type", "LORA") != "LORA") {
      return absl::InvalidArgumentError(base::StrCat(config_path, ": peft_type must be LORA"));
    }
    config.r = j.at("r").get<int64_t>();
    config.alpha = j.at("lora_alpha").get<double>();
    config.dropout = j.value("lora_dropout", 0.0);
    config.use_rslora = j.value("use_rslora", false);
    if (j.value("use_dora", false)) {
      return absl::InvalidArgumentError(base::StrCat(config_path, ": DoRA is not supported"));
    }
    if (j.contains("rank_pattern") && !j["rank_pattern"].empty()) {
      return absl::InvalidArgumentError(base::StrCat(config_path, ": rank_pattern is not supported"));
    }
    const auto& targets = j.at("target_modules");
    config.target_modules.clear();
    if (targets.is_array()) {
      for (const auto& t : targets) config.target_modules.push_back(t.get<std::string>());
    } else {
      return absl::InvalidArgumentError(
          base::StrCat(config_path, ": target_modules must be a list of module names"));
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(config_path, ": ", e.what()));
  }
  TM_RETURN_IF_ERROR(Validate(config));
  const std::string weights_path = dir + "/adapter_model.safetensors";
  TM_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(weights_path));
  std::unique_ptr<LoraAdapters> out(new LoraAdapters());
  out->config_ = config;
  for (const LinearModule& m : modules) {
    if (!IsTarget(config, m.path)) continue;
    auto pair = std::make_unique<Pair>();
    for (int which = 0; which < 2; ++which) {
      const std::string name = base::StrCat(kPrefix, m.path, which == 0 ? ".lora_A.weight"
                                                                         : ".lora_B.weight");
      const TensorInfo* info = file->Find(name);
      if (info == nullptr) {
        return absl::InvalidArgumentError(base::StrCat(weights_path, ": \"", name, "\" is missing"));
      }
      const std::vector<int64_t> want = which == 0 ? std::vector<int64_t>{config.r, m.in}
                                                   : std::vector<int64_t>{m.out, config.r};
      if (info->shape != want) {
        return absl::InvalidArgumentError(base::StrCat(weights_path, ": \"", name,
                                                       "\" has the wrong shape for r=", config.r));
      }
      TM_ASSIGN_OR_RETURN(at::ScalarType type,
                          TorchFloatType(info->dtype, base::StrCat(weights_path, ": \"", name, "\"")));
      std::string_view bytes = file->Data(*info);
      at::Tensor t = at::from_blob(const_cast<char*>(bytes.data()), want, at::TensorOptions().dtype(type))
                         .to(at::Device(device), at::kFloat, false, /*copy=*/true);
      t.set_requires_grad(true);
      (which == 0 ? pair->a : pair->b) = t;
    }
    out->adapters_[m.path] = std::move(pair);
  }
  if (out->adapters_.empty()) {
    return absl::InvalidArgumentError(base::StrCat(config_path, ": no module matches target_modules"));
  }
  return out;
}

absl::Status LoraAdapters::SavePeft(const std::string& dir, const std::string& base_model) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(base::StrCat("cannot create ", dir, ": ", ec.message()));
  SafetensorsWriter writer;
  std::vector<at::Tensor> keep;
  for (const auto& [path, pair] : adapters_) {
    for (int which = 0; which < 2; ++which) {
      at::Tensor t = (which == 0 ? pair->a : pair->b).detach().to(at::kCPU, at::kFloat).contiguous();
      keep.push_back(t);
      std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
      TM_RETURN_IF_ERROR(writer.AddView(
          base::StrCat(kPrefix, path, which == 0 ? ".lora_A.weight" : ".lora_B.weight"), DType::kF32,
          shape, std::string_view(static_cast<const char*>(t.data_ptr()), t.nbytes())));
    }
  }
  TM_RETURN_IF_ERROR(writer.Write(dir + "/adapter_model.safetensors"));
  nlohmann::ordered_json j;
  j["peft_type"] = "LORA";
  j["task_type"] = "CAUSAL_LM";
  j["base_model_name_or_path"] = base_model;
  j["r"] = config_.r;
  j["lora_alpha"] = config_.alpha;
  j["lora_dropout"] = config_.dropout;
  j["bias"] = "none";
  j["fan_in_fan_out"] = false;
  j["target_modules"] = config_.target_modules;
  j["use_rslora"] = config_.use_rslora;
  j["use_dora"] = false;
  j["modules_to_save"] = nullptr;
  j["init_lora_weights"] = true;
  j["inference_mode"] = true;
  j["rank_pattern"] = nlohmann::ordered_json::object();
  j["alpha_pattern"] = nlohmann::ordered_json::object();
  j["revision"] = nullptr;
  std::ofstream out(dir + "/adapter_config.json", std::ios::trunc);
  out << j.dump(2) << "\n";
  if (!out) return absl::InternalError(base::StrCat("cannot write ", dir, "/adapter_config.json"));
  return absl::OkStatus();
}

bool LoraAdapters::Has(const std::string& module) const { return adapters_.count(module) > 0; }

at::Tensor LoraAdapters::Apply(const std::string& module, const at::Tensor& x, const at::Tensor& y,
                               bool training) const {
  auto it = adapters_.find(module);
  if (it == adapters_.end()) return y;
  at::Tensor in = x.to(at::kFloat);
  if (training && config_.dropout > 0) in = at::dropout(in, config_.dropout, /*train=*/true);
  at::Tensor delta = at::linear(at::linear(in, it->second->a), it->second->b) * config_.scaling();
  return y + delta.to(y.scalar_type());
}

at::Tensor LoraAdapters::Delta(const std::string& module) const {
  auto it = adapters_.find(module);
  if (it == adapters_.end()) return at::Tensor();
  return at::matmul(it->second->b, it->second->a) * config_.scaling();
}

std::vector<at::Tensor> LoraAdapters::Parameters() const {
  std::vector<at::Tensor> out;
  for (const auto& [path, pair] : adapters_) {
    out.push_back(pair->a);
    out.push_back(pair->b);
  }
  return out;
}

std::vector<std::string> LoraAdapters::ParameterNames() const {
  std::vector<std::string> out;
  for (const auto& [path, pair] : adapters_) {
    out.push_back(base::StrCat(kPrefix, path, ".lora_A.weight"));
    out.push_back(base::StrCat(kPrefix, path, ".lora_B.weight"));
  }
  return out;
}

int64_t LoraAdapters::ParameterCount() const {
  int64_t n = 0;
  for (const auto& [path, pair] : adapters_) n += pair->a.numel() + pair->b.numel();
  return n;
}

}  // namespace tracemill::model
