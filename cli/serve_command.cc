// `tracemill serve`: a Qwen3 model (and LoRA adapters) behind an OpenAI-compatible API.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/run_until_signal.h"
#include "libs/model/generate.h"
#include "libs/model/qwen3_model.h"
#include "libs/serve/chat_server.h"
#include "libs/serve/generation_backend.h"
#include "libs/text/chat_format.h"

namespace tracemill::cli {
namespace {

struct ServeFlags {
  std::string model;
  std::vector<std::string> adapters;  // name=dir
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string served_name = "base";
  int max_batch = 16;
  int64_t max_context = 0;
  int default_max_tokens = 1024;
  int threads = 0;
  std::string device = "cpu";
  std::string dtype = "auto";
  bool no_adapter_loading = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "tracemill serve: %s\n", message.c_str());
  return 1;
}

int RunServe(const ServeFlags& f) {
  model::LoadOptions load;
  load.device = f.device;
  const bool cuda = f.device.rfind("cuda", 0) == 0;
  load.dtype = f.dtype == "bfloat16" || (f.dtype == "auto" && cuda) ? model::WeightDType::kBFloat16
                                                                     : model::WeightDType::kFloat32;
  auto loaded = model::Qwen3Model::Load(f.model, load);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  std::shared_ptr<model::Qwen3Model> qwen3 = std::move(*loaded);
  const int64_t context = f.max_context > 0 ? f.max_context : qwen3->config().max_position_embeddings;
  auto format = text::ChatFormat::FromDirectory(f.model);
  if (!format.ok()) return Fail(std::string(format.status().message()));
  auto generator = model::Generator::Create(
      qwen3, {.max_batch = f.max_batch, .max_context = context, .device = f.device, .threads = f.threads});
  if (!generator.ok()) return Fail(std::string(generator.status().message()));
  auto backend = std::make_shared<serve::GenerationBackend>(std::move(*generator), context);
  for (const std::string& spec : f.adapters) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return Fail("--adapter takes NAME=DIR, got \"" + spec + "\"");
    }
    if (auto st = backend->LoadAdapter(spec.substr(0, eq), spec.substr(eq + 1)); !st.ok()) {
      return Fail(std::string(st.message()));
    }
  }
  net::EventLoop loop;
  auto server = serve::ChatServer::Start(&loop, backend, std::shared_ptr<const text::ChatFormat>(std::move(*format)),
                                         {.host = f.host,
                                          .port = f.port,
                                          .model_name = f.served_name,
                                          .default_max_tokens = f.default_max_tokens,
                                          .allow_adapter_loading = !f.no_adapter_loading});
  if (!server.ok()) return Fail(std::string(server.status().message()));
  // The first line of stdout is for scripts: the base URL.
  std::printf("%s\n", (*server)->base_url().c_str());
  std::fflush(stdout);
  std::string adapters;
  for (const std::string& a : backend->Adapters()) adapters += " " + f.served_name + ":" + a;
  std::fprintf(stderr, "serve: %s on %s (context %lld, batch %d); models: %s%s\n", f.model.c_str(),
               (*server)->base_url().c_str(), static_cast<long long>(context), f.max_batch, f.served_name.c_str(),
               adapters.c_str());
  RunUntilSignal(loop);
  const serve::ServerStats& s = (*server)->stats();
  std::fprintf(stderr, "serve: stopped after %lld completions (%lld prompt + %lld completion tokens), %lld errors\n",
               static_cast<long long>(s.completions.load()), static_cast<long long>(s.prompt_tokens.load()),
               static_cast<long long>(s.completion_tokens.load()), static_cast<long long>(s.errors.load()));
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a Qwen3 model directory (Hugging Face layout) and LoRA adapters (PEFT layout) over an "
      "OpenAI-compatible API: /v1/chat/completions (plain and streaming, tools), /v1/models, "
      "/v1/load_lora_adapter, /health. Requests name the base (--served-name) or base:ADAPTER. Prints "
      "the base URL on stdout's first line.");
  cmd->add_option("-m,--model", flags->model, "model directory")->required();
  cmd->add_option("--adapter", flags->adapters, "NAME=DIR: a PEFT adapter served as <served-name>:NAME (repeatable)");
  cmd->add_option("--host", flags->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "port (0: any free one)")->capture_default_str();
  cmd->add_option("--served-name", flags->served_name, "the base model's name in requests")->capture_default_str();
  cmd->add_option("--max-batch", flags->max_batch, "requests decoded together")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-context", flags->max_context, "prompt + generated tokens (0: the model's)")
      ->capture_default_str();
  cmd->add_option("--default-max-tokens", flags->default_max_tokens, "for requests that set no max_tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "CPU threads for the model (0: libtorch's default)")
      ->capture_default_str();
  cmd->add_option("--device", flags->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", flags->dtype, "auto (bf16 on CUDA, fp32 on CPU), float32 or bfloat16")
      ->check(CLI::IsMember({"auto", "float32", "bfloat16"}))
      ->capture_default_str();
  cmd->add_flag("--no-adapter-loading", flags->no_adapter_loading, "refuse /v1/load_lora_adapter");
  cmd->callback([flags, exit_code] { *exit_code = RunServe(*flags); });
}

}  // namespace tracemill::cli
