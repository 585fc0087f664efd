#include "libs/eval/next_turn.h"

#include <chrono>

namespace tracemill::eval {
namespace {

net::Task<void> ScoreOne(TurnModel* model, const EvalRow* row, TurnScore* out) {
  net::Task<absl::StatusOr<trace::Message>> next = model->Next(row->prefix, row->tools);
  absl::StatusOr<trace::Message> generated = co_await next;
  *out = ScoreTurn(*row, generated);
}

}  // namespace

net::Task<absl::StatusOr<trace::Message>> FunctionTurnModel::Next(const std::vector<trace::Message>& prefix,
                                                                  const std::vector<trace::ToolDef>& tools) {
  co_return fn_(prefix, tools);
}

OpenAiTurnModel::OpenAiTurnModel(net::EventLoop* loop, net::HttpClient* http, llm::EndpointConfig endpoint,
                                 Json sampling)
    : client_(loop, http, std::move(endpoint)), sampling_(std::move(sampling)) {}

net::Task<absl::StatusOr<trace::Message>> OpenAiTurnModel::Next(const std::vector<trace::Message>& prefix,
                                                                const std::vector<trace::ToolDef>& tools) {
  llm::ChatRequest request;
  request.messages = prefix;
  request.tools = tools;
  request.sampling = sampling_;
  net::Task<absl::StatusOr<llm::ChatResult>> call = client_.Complete(request);
  absl::StatusOr<llm::ChatResult> result = co_await call;
  if (!result.ok()) co_return result.status();
  co_return std::move(result->message);
}

Json NextTurnResult::ToJson() const {
  Json metrics = Json::object();
  for (const Metric& m : Metrics()) metrics[m.name] = MetricToJson(m);
  Json by_reason = Json::object();
  for (const auto& [reason, n] : tally.errors_by_reason()) by_reason[reason] = n;
  return {{"rows", scores.size()}, {"errors", tally.errors()}, {"errors_by_reason", by_reason},
          {"seconds", seconds},    {"metrics", metrics},       {"examples", examples}};
}

NextTurnResult RunNextTurn(net::EventLoop* loop, TurnModel* model, const std::vector<EvalRow>& rows,
                           const NextTurnOptions& options, const NextTurnProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  NextTurnResult result;
  result.scores.resize(rows.size());
  const int parallel = options.parallel < 1 ? 1 : options.parallel;
  size_t next = 0;
  int running = 0;
  int64_t done = 0;
  const auto total = static_cast<int64_t>(rows.size());
  std::function<void()> launch = [&] {
    while (running < parallel && next < rows.size()) {
      ++running;
      const size_t i = next++;
      net::Spawn(ScoreOne(model, &rows[i], &result.scores[i]), [&] {
        --running;
        ++done;
        if (progress) progress(done, total);
        // Start the next one from the loop, not from inside this row's frame.
        loop->Post([&] { launch(); });
      });
    }
  };
  launch();
  loop->RunUntil([&] { return done == total; });
  for (const TurnScore& s : result.scores) {
    result.tally.Add(s);
    const bool missed = s.error || !s.decision_ok || !s.exact;
    if (missed && result.examples.size() < options.max_examples) result.examples.push_back(s.ToJson());
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

NextTurnResult RunNextTurnOnEndpoint(const llm::EndpointConfig& endpoint, const Json& sampling,
                                     const std::vector<EvalRow>& rows, const NextTurnOptions& options,
                                     const NextTurnProgress& progress) {
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiTurnModel model(&loop, &http, endpoint, sampling);
  return RunNextTurn(&loop, &model, rows, options, progress);
}

}  // namespace tracemill::eval
