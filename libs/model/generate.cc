#include "libs/model/generate.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "libs/base/str_cat.h"
#include "libs/model/kv_cache.h"
#include "libs/model/lora.h"

namespace tracemill::model {
namespace {

using Clock = std::chrono::steady_clock;
using Done = std::function<void(absl::StatusOr<GenerationResult>)>;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// One request from Submit to done.
struct Sequence {
  GenerationRequest request;
  Done done;
  Clock::time_point submitted, first, last;
  std::shared_ptr<const LoraAdapters> adapters;  // null: the base model
  at::Generator rng;                             // undefined for greedy
  GenerationResult result;
  int64_t length = 0;  // prompt + generated tokens
};

absl::Status CheckSampling(const SamplingParams& s) {
  if (!(s.temperature >= 0)) return absl::InvalidArgumentError("temperature must be >= 0");
  if (!(s.top_p > 0 && s.top_p <= 1)) return absl::InvalidArgumentError("top_p must be in (0, 1]");
  if (s.top_k < 0) return absl::InvalidArgumentError("top_k must be >= 0");
  if (s.max_new_tokens < 0) return absl::InvalidArgumentError("max_new_tokens must be >= 0");
  return absl::OkStatus();
}

// A token from `logits` [V] (fp32, CPU) with temperature, top-k and top-p as Hugging
// Face's warpers apply them, drawn from `rng`.
int64_t Sample(at::Tensor logits, const SamplingParams& s, at::Generator& rng) {
  const float inf = std::numeric_limits<float>::infinity();
  at::Tensor x = logits / static_cast<double>(s.temperature);
  const int64_t vocab = x.size(0);
  if (s.top_k > 0 && s.top_k < vocab) {
    at::Tensor kth = std::get<0>(x.topk(s.top_k)).select(0, s.top_k - 1);
    x = x.masked_fill(x < kth, -inf);
  }
  if (s.top_p < 1) {
    auto [sorted, index] = x.sort(/*dim=*/-1, /*descending=*/false);
    at::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
    at::Tensor remove = cumulative <= (1.0 - static_cast<double>(s.top_p));
    remove.select(0, vocab - 1).fill_(false);  // keep at least the most likely token
    x = x.masked_fill(remove.scatter(0, index, remove), -inf);
  }
  at::Tensor probs = x.softmax(-1);
  return at::multinomial(probs, 1, /*replacement=*/false, rng).item<int64_t>();
}

}  // namespace

struct Generator::Impl {
  std::shared_ptr<Qwen3Model> model;
  GeneratorOptions options;
  std::vector<LinearModule> modules;

  mutable std::mutex adapters_mu;
  std::map<std::string, std::shared_ptr<const LoraAdapters>> adapters;  // by adapters_mu

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<std::unique_ptr<Sequence>> queue;  // by mu
  bool stopping = false;                        // by mu
  GeneratorStats stats;                         // by mu

  std::thread worker;

  void Run();
  // Validates and prefills `seq` into `cache`; false when it is finished already (done
  // has run).
  bool Prefill(Sequence& seq, KvCache* cache);
  // One batched forward over the last token of every sequence in `active`.
  void DecodeStep(std::vector<std::unique_ptr<Sequence>>* active, KvCache* batch);
  // Records a sampled token; false when the sequence is finished (done has run).
  bool Emit(Sequence& seq, int64_t token);
  void Finish(Sequence& seq, absl::StatusOr<GenerationResult> result);
  void Finish(Sequence& seq, const std::string& reason);
};

void Generator::Impl::Finish(Sequence& seq, absl::StatusOr<GenerationResult> result) {
  {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.requests;
  }
  Done done = std::move(seq.done);
  seq.done = nullptr;
  if (done) done(std::move(result));
}

void Generator::Impl::Finish(Sequence& seq, const std::string& reason) {
  GenerationResult& r = seq.result;
  r.finish_reason = reason;
  const int64_t after_first = static_cast<int64_t>(r.tokens.size()) - 1;
  const double seconds = Ms(seq.last - seq.first) / 1000.0;
  if (after_first > 0 && seconds > 0) r.decode_tokens_per_s = after_first / seconds;
  Finish(seq, std::move(r));
}

bool Generator::Impl::Emit(Sequence& seq, int64_t token) {
  const Clock::time_point now = Clock::now();
  if (seq.result.time_to_first_token_ms == 0 && seq.result.tokens.empty()) {
    seq.first = now;
    seq.result.time_to_first_token_ms = Ms(now - seq.submitted);
  }
  seq.last = now;
  const SamplingParams& s = seq.request.sampling;
  if (std::find(s.stop_token_ids.begin(), s.stop_token_ids.end(), token) !=
      s.stop_token_ids.end()) {
    Finish(seq, "stop");
    return false;
  }
  seq.result.tokens.push_back(token);
  ++seq.length;
  if (seq.request.on_token && !seq.request.on_token(token)) {
    Finish(seq, "stop");
    return false;
  }
  if (static_cast<int64_t>(seq.result.tokens.size()) >= s.max_new_tokens ||
      seq.length >= options.max_context) {
    Finish(seq, "length");
    return false;
  }
  return true;
}

bool Generator::Impl::Prefill(Sequence& seq, KvCache* cache) {
  const GenerationRequest& req = seq.request;
  const int64_t vocab = model->config().vocab_size;
  absl::Status status = CheckSampling(req.sampling);
  if (status.ok() && req.prompt.empty()) status = absl::InvalidArgumentError("empty prompt");
  for (size_t i = 0; status.ok() && i < req.prompt.size(); ++i) {
    if (req.prompt[i] < 0 || req.prompt[i] >= vocab) {
      status = absl::InvalidArgumentError(base::StrCat("prompt token ", i, " is ", req.prompt[i],
                                                       ", outside the vocabulary [0, ", vocab,
                                                       ")"));
    }
  }
  if (status.ok() && static_cast<int64_t>(req.prompt.size()) >= options.max_context) {
    status = absl::InvalidArgumentError(
        base::StrCat("prompt of ", req.prompt.size(), " tokens leaves no room in the context of ",
                     options.max_context));
  }
  if (status.ok() && !req.adapter.empty()) {
    std::lock_guard<std::mutex> lock(adapters_mu);
    auto it = adapters.find(req.adapter);
    if (it == adapters.end()) {
      status = absl::InvalidArgumentError(base::StrCat("unknown adapter \"", req.adapter, "\""));
    } else {
      seq.adapters = it->second;
    }
  }
  if (!status.ok()) {
    Finish(seq, status);
    return false;
  }
  seq.result.prompt_tokens = static_cast<int64_t>(req.prompt.size());
  seq.length = seq.result.prompt_tokens;
  if (req.sampling.max_new_tokens == 0) {
    Finish(seq, "length");
    return false;
  }
  if (req.sampling.temperature > 0) {
    seq.rng = at::detail::createCPUGenerator(
        req.sampling.seed.has_value() ? *req.sampling.seed : std::random_device()());
  }
  int64_t token = 0;
  try {
    at::Tensor ids = at::tensor(req.prompt, at::TensorOptions().dtype(at::kLong)).view({1, -1});
    std::vector<const LoraAdapters*> rows = {seq.adapters.get()};
    ForwardOptions fo;
    fo.kv_cache = cache;
    fo.row_adapters = &rows;
    at::Tensor hidden = model->Hidden(ids, fo);
    at::Tensor logits =
        at::mv(model->LmHeadWeight(), hidden[0][hidden.size(1) - 1]).to(at::kFloat);  // [V]
    token = req.sampling.temperature > 0 ? Sample(logits.to(at::kCPU), req.sampling, seq.rng)
                                         : logits.argmax().item<int64_t>();
  } catch (const std::exception& e) {
    Finish(seq, absl::InternalError(base::StrCat("prefill: ", e.what())));
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.prefills;
  }
  return Emit(seq, token);
}

void Generator::Impl::DecodeStep(std::vector<std::unique_ptr<Sequence>>* active, KvCache* batch) {
  const int64_t b = static_cast<int64_t>(active->size());
  std::vector<int64_t> last(b);
  std::vector<const LoraAdapters*> rows(b);
  bool any_sampled = false;
  for (int64_t i = 0; i < b; ++i) {
    last[i] = (*active)[i]->result.tokens.back();
    rows[i] = (*active)[i]->adapters.get();
    any_sampled |= (*active)[i]->request.sampling.temperature > 0;
  }
  std::vector<int64_t> tokens(b);
  try {
    at::Tensor ids = at::tensor(last, at::TensorOptions().dtype(at::kLong)).view({b, 1});
    ForwardOptions fo;
    fo.kv_cache = batch;
    fo.row_adapters = &rows;
    at::Tensor hidden = model->Hidden(ids, fo).select(1, 0);  // [B, H]
    // One row: a matrix-vector product (see Qwen3Model's cached Proj).
    at::Tensor logits = b == 1 ? at::mv(model->LmHeadWeight(), hidden[0]).to(at::kFloat).unsqueeze(0)
                               : model->Logits(hidden);  // [B, V]
    at::Tensor greedy = logits.argmax(-1).to(at::kCPU);
    const int64_t* g = greedy.data_ptr<int64_t>();
    at::Tensor cpu_logits = any_sampled ? logits.to(at::kCPU) : at::Tensor();
    for (int64_t i = 0; i < b; ++i) {
      Sequence& seq = *(*active)[i];
      tokens[i] = seq.request.sampling.temperature > 0
                      ? Sample(cpu_logits.select(0, i), seq.request.sampling, seq.rng)
                      : g[i];
    }
  } catch (const std::exception& e) {
    for (auto& seq : *active) Finish(*seq, absl::InternalError(base::StrCat("decode: ", e.what())));
    active->clear();
    batch->Clear();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.decode_steps;
    stats.decode_rows += b;
    stats.max_batch_seen = std::max(stats.max_batch_seen, b);
  }
  std::vector<int64_t> keep;
  std::vector<std::unique_ptr<Sequence>> still;
  for (int64_t i = 0; i < b; ++i) {
    if (Emit(*(*active)[i], tokens[i])) {
      keep.push_back(i);
      still.push_back(std::move((*active)[i]));
    }
  }
  batch->Keep(keep);
  *active = std::move(still);
}

void Generator::Impl::Run() {
  at::NoGradGuard no_grad;
  const int64_t layers = model->config().num_hidden_layers;
  std::vector<std::unique_ptr<Sequence>> active;
  KvCache batch(layers);
  while (true) {
    std::vector<std::unique_ptr<Sequence>> admit;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stopping || !queue.empty() || !active.empty(); });
      if (stopping) break;
      while (!queue.empty() &&
             static_cast<int64_t>(active.size() + admit.size()) < options.max_batch) {
        admit.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    for (auto& seq : admit) {
      KvCache one(layers);
      if (!Prefill(*seq, &one)) continue;
      try {
        batch.Append(std::move(one));
      } catch (const std::exception& e) {
        Finish(*seq, absl::InternalError(base::StrCat("KV cache: ", e.what())));
        continue;
      }
      active.push_back(std::move(seq));
    }
    if (!active.empty()) DecodeStep(&active, &batch);
  }
  std::deque<std::unique_ptr<Sequence>> queued;
  {
    std::lock_guard<std::mutex> lock(mu);
    queued.swap(queue);
  }
  for (auto& seq : active) Finish(*seq, absl::CancelledError("the generator is shutting down"));
  for (auto& seq : queued) Finish(*seq, absl::CancelledError("the generator is shutting down"));
}

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Generator::~Generator() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

absl::StatusOr<std::unique_ptr<Generator>> Generator::Create(std::shared_ptr<Qwen3Model> model,
                                                             GeneratorOptions options) {
  if (model == nullptr) return absl::InvalidArgumentError("no model");
  if (options.max_batch < 1) return absl::InvalidArgumentError("max_batch must be >= 1");
  if (options.max_context < 0) return absl::InvalidArgumentError("max_context must be >= 0");
  if (options.max_context == 0) options.max_context = model->config().max_position_embeddings;
  try {
    const at::Device want(options.device);
    const at::Device have = model->weights().at("model.norm.weight").device();
    if (want != have) {
      return absl::InvalidArgumentError(base::StrCat("generator device \"", options.device,
                                                     "\" but the model is on ", have.str()));
    }
    if (options.threads > 0) at::set_num_threads(options.threads);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(base::StrCat("device \"", options.device, "\": ", e.what()));
  }
  auto impl = std::make_unique<Impl>();
  impl->modules = model->LinearModules();
  impl->model = std::move(model);
  impl->options = std::move(options);
  Impl* raw = impl.get();
  std::unique_ptr<Generator> generator(new Generator(std::move(impl)));
  raw->worker = std::thread([raw] { raw->Run(); });
  return generator;
}

absl::Status Generator::LoadAdapter(const std::string& name, const std::string& dir) {
  if (name.empty()) return absl::InvalidArgumentError("adapter name must not be empty");
  absl::StatusOr<std::unique_ptr<LoraAdapters>> loaded;
  try {
    loaded = LoraAdapters::LoadPeft(dir, impl_->modules, impl_->options.device);
  } catch (const std::exception& e) {
    return absl::InternalError(base::StrCat(dir, ": ", e.what()));
  }
  if (!loaded.ok()) return loaded.status();
  return AddAdapter(name, std::shared_ptr<const LoraAdapters>(std::move(*loaded)));
}

absl::Status Generator::AddAdapter(const std::string& name,
                                   std::shared_ptr<const LoraAdapters> adapters) {
  if (name.empty()) return absl::InvalidArgumentError("adapter name must not be empty");
  if (adapters == nullptr) return absl::InvalidArgumentError("no adapters");
  std::lock_guard<std::mutex> lock(impl_->adapters_mu);
  impl_->adapters[name] = std::move(adapters);
  return absl::OkStatus();
}

absl::Status Generator::UnloadAdapter(const std::string& name) {
  std::lock_guard<std::mutex> lock(impl_->adapters_mu);
  if (impl_->adapters.erase(name) == 0) {
    return absl::NotFoundError(base::StrCat("no adapter \"", name, "\""));
  }
  return absl::OkStatus();
}

std::vector<std::string> Generator::adapters() const {
  std::lock_guard<std::mutex> lock(impl_->adapters_mu);
  std::vector<std::string> out;
  for (const auto& [name, a] : impl_->adapters) out.push_back(name);
  return out;
}

void Generator::Submit(GenerationRequest request, Done done) {
  auto seq = std::make_unique<Sequence>();
  seq->request = std::move(request);
  seq->done = std::move(done);
  seq->submitted = Clock::now();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(std::move(seq));
    }
  }
  if (seq != nullptr) {  // shutting down
    if (seq->done) seq->done(absl::CancelledError("the generator is shutting down"));
    return;
  }
  impl_->cv.notify_one();
}

absl::StatusOr<GenerationResult> Generator::Generate(GenerationRequest request) {
  std::promise<absl::StatusOr<GenerationResult>> promise;
  std::future<absl::StatusOr<GenerationResult>> future = promise.get_future();
  Submit(std::move(request),
         [&promise](absl::StatusOr<GenerationResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

GeneratorStats Generator::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

}  // namespace tracemill::model
