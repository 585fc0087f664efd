// Offline next-turn evaluation: for each evaluation row, the model sees the prefix and
// the row's tools and produces one assistant turn, which is scored against the row's
// final assistant turn (turn_score.h).
//
//   net::EventLoop loop;
//   net::HttpClient http(&loop);
//   OpenAiTurnModel model(&loop, &http, endpoint, sampling);
//   NextTurnResult r = RunNextTurn(&loop, &model, rows.rows, {.parallel = 16});
//
// Up to `parallel` rows are in flight at once on the one event loop. A failed request
// (after the client's retries) is scored as a miss and counted by reason; nothing here
// throws or stops the run early.
#ifndef TRACEMILL_LIBS_EVAL_NEXT_TURN_H_
#define TRACEMILL_LIBS_EVAL_NEXT_TURN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/eval/eval_rows.h"
#include "libs/eval/turn_score.h"
#include "libs/llm/openai_client.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_client.h"
#include "libs/net/task.h"
#include "libs/trace/trace.h"

namespace tracemill::eval {

// The model under evaluation: the next assistant turn after `prefix`. The references
// stay valid until the returned task finishes. Used on the event loop's thread only.
class TurnModel {
 public:
  virtual ~TurnModel() = default;
  virtual net::Task<absl::StatusOr<trace::Message>> Next(const std::vector<trace::Message>& prefix,
                                                         const std::vector<trace::ToolDef>& tools) = 0;
};

// A synchronous function as a TurnModel (tests, offline scorers).
using NextTurnFn = std::function<absl::StatusOr<trace::Message>(const std::vector<trace::Message>& prefix,
                                                                const std::vector<trace::ToolDef>& tools)>;
class FunctionTurnModel final : public TurnModel {
 public:
  explicit FunctionTurnModel(NextTurnFn fn) : fn_(std::move(fn)) {}
  net::Task<absl::StatusOr<trace::Message>> Next(const std::vector<trace::Message>& prefix,
                                                 const std::vector<trace::ToolDef>& tools) override;

 private:
  NextTurnFn fn_;
};

// An OpenAI-compatible endpoint (llm::OpenAiClient: retries, Hermes parsing as the
// endpoint config says). `sampling` goes into every request (temperature, max_tokens...).
class OpenAiTurnModel final : public TurnModel {
 public:
  OpenAiTurnModel(net::EventLoop* loop, net::HttpClient* http, llm::EndpointConfig endpoint,
                  Json sampling = Json::object());
  net::Task<absl::StatusOr<trace::Message>> Next(const std::vector<trace::Message>& prefix,
                                                 const std::vector<trace::ToolDef>& tools) override;

 private:
  llm::OpenAiClient client_;
  Json sampling_;
};

struct NextTurnOptions {
  int parallel = 8;
  size_t max_examples = 20;  // mismatches kept as examples in the result
};

struct NextTurnResult {
  NextTurnTally tally;
  std::vector<TurnScore> scores;  // one per row, in row order
  std::vector<Json> examples;     // the first max_examples rows that missed something
  double seconds = 0;

  std::vector<Metric> Metrics() const { return tally.Metrics(); }
  // {"rows", "errors", "errors_by_reason", "seconds", "metrics": {...}, "examples"}.
  Json ToJson() const;
};

// (rows finished, rows in all), on the loop thread.
using NextTurnProgress = std::function<void(int64_t, int64_t)>;

// Runs `loop` until every row is scored.
NextTurnResult RunNextTurn(net::EventLoop* loop, TurnModel* model, const std::vector<EvalRow>& rows,
                           const NextTurnOptions& options, const NextTurnProgress& progress = {});

// RunNextTurn on a fresh loop with an OpenAiTurnModel for `endpoint`.
NextTurnResult RunNextTurnOnEndpoint(const llm::EndpointConfig& endpoint, const Json& sampling,
                                     const std::vector<EvalRow>& rows, const NextTurnOptions& options,
                                     const NextTurnProgress& progress = {});

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_NEXT_TURN_H_
