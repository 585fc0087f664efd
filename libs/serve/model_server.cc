#include "libs/serve/model_server.h"

#include "libs/base/status_macros.h"
#include "libs/model/generate.h"
#include "libs/model/qwen3_model.h"
#include "libs/net/background_loop.h"
#include "libs/serve/chat_server.h"
#include "libs/serve/generation_backend.h"
#include "libs/text/chat_format.h"

namespace tracemill::serve {

struct ModelServer::State {
  net::BackgroundLoop loop;
  std::unique_ptr<ChatServer> server;
};

ModelServer::ModelServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

ModelServer::~ModelServer() {
  if (state_ && state_->server) state_->loop.Call([this](net::EventLoop*) { state_->server.reset(); });
}

absl::StatusOr<std::unique_ptr<ModelServer>> ModelServer::Start(const std::string& model_dir,
                                                                const ModelServerOptions& options) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<model::Qwen3Model> loaded, model::Qwen3Model::Load(model_dir, {}));
  std::shared_ptr<model::Qwen3Model> qwen3 = std::move(loaded);
  TM_ASSIGN_OR_RETURN(std::unique_ptr<text::ChatFormat> format, text::ChatFormat::FromDirectory(model_dir));
  TM_ASSIGN_OR_RETURN(auto generator, model::Generator::Create(qwen3, {.max_batch = options.max_batch,
                                                                       .max_context = options.max_context,
                                                                       .threads = options.threads}));
  auto backend = std::make_shared<GenerationBackend>(std::move(generator), options.max_context);
  std::shared_ptr<const text::ChatFormat> shared_format = std::move(format);
  auto state = std::make_unique<State>();
  auto server = state->loop.Call([&](net::EventLoop* loop) {
    return ChatServer::Start(loop, backend, shared_format, {.port = 0, .default_max_tokens = options.default_max_tokens});
  });
  if (!server.ok()) return server.status();
  state->server = std::move(*server);
  return std::unique_ptr<ModelServer>(new ModelServer(std::move(state)));
}

std::string ModelServer::base_url() const { return state_->server->base_url(); }

}  // namespace tracemill::serve
