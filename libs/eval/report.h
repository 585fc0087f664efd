// The before/after report: a baseline run and a candidate run of one evaluation
// (next-turn or live) side by side, written as
//   report.json  every metric of both runs (count, n, rate, 95% interval), the delta with
//                its 95% interval (Newcombe), the run settings and each run's details;
//   report.md    a table (metric, baseline, candidate, delta, with intervals and counts),
//                the metric definitions and the settings;
//   report.png   a bar chart of both runs per metric, with interval whiskers.
// Metrics are paired by name, in the baseline's order (then any only the candidate has).
// Plain functions; thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_REPORT_H_
#define TRACEMILL_LIBS_EVAL_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/base/json.h"
#include "libs/eval/bars.h"
#include "libs/eval/stats.h"

namespace tracemill::eval {

struct EvalRun {
  std::string label;  // "baseline" or "candidate"
  std::string model;  // the model name sent to the endpoint, e.g. "base:adapter"
  std::vector<Metric> metrics;
  Json details = Json::object();  // the run's own result (NextTurnResult/LiveResult::ToJson)
};

struct Report {
  std::string kind;   // "next-turn" or "live"
  std::string title;  // "" = "tracemill eval <kind>"
  Json settings = Json::object();  // how the runs were made (data, endpoint, tries...)
  EvalRun baseline;
  EvalRun candidate;
  // The rates a run must reach (bars.h); when given, the report says which bars each run
  // misses ("bars" and each run's "bars_missed" in JSON, a section in Markdown).
  std::vector<Bar> bars;
};

Json ReportToJson(const Report& report);
std::string ReportToMarkdown(const Report& report);
// The chart's PNG bytes.
std::string ReportChartPng(const Report& report);

// Writes report.json, report.md and report.png into `dir` (created if needed), each
// atomically.
absl::Status WriteReport(const Report& report, const std::string& dir);

// "62.0% [51.2, 71.8] (31/50)"; "n/a (0/0)" when n is 0.
std::string FormatProportion(const Proportion& p);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_REPORT_H_
