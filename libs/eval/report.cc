#include "libs/eval/report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/eval/bar_chart.h"
#include "libs/eval/png.h"

namespace tracemill::eval {
namespace {

struct Pair {
  std::string name;
  std::string description;
  const Proportion* baseline = nullptr;
  const Proportion* candidate = nullptr;
};

std::vector<Pair> PairMetrics(const Report& r) {
  std::vector<Pair> out;
  auto find = [](const std::vector<Metric>& ms, const std::string& name) -> const Metric* {
    for (const Metric& m : ms) {
      if (m.name == name) return &m;
    }
    return nullptr;
  };
  std::set<std::string> seen;
  for (const Metric& m : r.baseline.metrics) {
    if (!seen.insert(m.name).second) continue;
    const Metric* c = find(r.candidate.metrics, m.name);
    out.push_back({m.name, m.description, &m.value, c != nullptr ? &c->value : nullptr});
  }
  for (const Metric& m : r.candidate.metrics) {
    if (!seen.insert(m.name).second) continue;
    out.push_back({m.name, m.description, nullptr, &m.value});
  }
  return out;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Signed(double v, int digits) {
  std::string s = Fixed(v, digits);
  return (v >= 0 && s[0] != '-') ? "+" + s : s;
}

std::string Title(const Report& r) { return r.title.empty() ? "tracemill eval " + r.kind : r.title; }

std::string Escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string FormatProportion(const Proportion& p) {
  if (p.n <= 0) return "n/a (0/0)";
  const Interval ci = p.Wilson();
  return base::StrCat(Fixed(100 * p.rate(), 1), "% [", Fixed(100 * ci.low, 1), ", ", Fixed(100 * ci.high, 1), "] (",
                      p.count, "/", p.n, ")");
}

Json ReportToJson(const Report& r) {
  Json metrics = Json::array();
  for (const Pair& p : PairMetrics(r)) {
    Json m = {{"name", p.name}, {"description", p.description}};
    m["baseline"] = p.baseline != nullptr ? ProportionToJson(*p.baseline) : Json();
    m["candidate"] = p.candidate != nullptr ? ProportionToJson(*p.candidate) : Json();
    if (p.baseline != nullptr && p.candidate != nullptr && p.baseline->n > 0 && p.candidate->n > 0) {
      const Interval d = DifferenceInterval(*p.baseline, *p.candidate);
      m["delta"] = {{"value", p.candidate->rate() - p.baseline->rate()}, {"ci95", Json::array({d.low, d.high})}};
    } else {
      m["delta"] = Json();
    }
    metrics.push_back(std::move(m));
  }
  auto run = [&](const EvalRun& e) {
    Json j = {{"label", e.label}, {"model", e.model}, {"details", e.details}};
    if (!r.bars.empty()) j["bars_missed"] = MissedBars(e.metrics, r.bars);
    return j;
  };
  Json out = {{"kind", r.kind},
              {"title", Title(r)},
              {"settings", r.settings},
              {"baseline", run(r.baseline)},
              {"candidate", run(r.candidate)},
              {"metrics", std::move(metrics)}};
  if (!r.bars.empty()) out["bars"] = BarsToJson(r.bars);
  return out;
}

std::string ReportToMarkdown(const Report& r) {
  std::string md = base::StrCat("# ", Title(r), "\n\n");
  base::StrAppend(&md, "Baseline `", r.baseline.model, "` vs candidate `", r.candidate.model,
                  "`. Rates with 95% Wilson intervals and counts; the delta is candidate minus baseline in "
                  "percentage points, with a 95% Newcombe interval.\n\n");
  base::StrAppend(&md, "| metric | baseline | candidate | delta |\n| --- | --- | --- | --- |\n");
  const auto pairs = PairMetrics(r);
  for (const Pair& p : pairs) {
    std::string delta = "n/a";
    if (p.baseline != nullptr && p.candidate != nullptr && p.baseline->n > 0 && p.candidate->n > 0) {
      const Interval d = DifferenceInterval(*p.baseline, *p.candidate);
      delta = base::StrCat(Signed(100 * (p.candidate->rate() - p.baseline->rate()), 1), " pp [",
                           Signed(100 * d.low, 1), ", ", Signed(100 * d.high, 1), "]");
    }
    base::StrAppend(&md, "| ", Escape(p.name), " | ", p.baseline ? FormatProportion(*p.baseline) : "n/a", " | ",
                    p.candidate ? FormatProportion(*p.candidate) : "n/a", " | ", delta, " |\n");
  }
  base::StrAppend(&md, "\n![chart](report.png)\n\n## Metrics\n\n");
  for (const Pair& p : pairs) base::StrAppend(&md, "- **", Escape(p.name), "**: ", Escape(p.description), "\n");
  if (!r.bars.empty()) {
    base::StrAppend(&md, "\n## Bars\n\nA run passes when it reaches every one of:");
    for (const Bar& b : r.bars) base::StrAppend(&md, " ", Escape(b.metric), " >= ", Fixed(b.min, 2), ";");
    md += "\n\n";
    for (const EvalRun* e : {&r.baseline, &r.candidate}) {
      const std::vector<std::string> missed = MissedBars(e->metrics, r.bars);
      base::StrAppend(&md, "- ", e->label, " `", e->model, "`: ", missed.empty() ? "passes" : "misses ");
      for (size_t i = 0; i < missed.size(); ++i) base::StrAppend(&md, i ? "; " : "", Escape(missed[i]));
      md += "\n";
    }
  }
  base::StrAppend(&md, "\n## Settings\n\n");
  if (r.settings.is_object()) {
    for (const auto& [key, value] : r.settings.items()) {
      base::StrAppend(&md, "- ", key, ": `", value.is_string() ? value.get<std::string>() : value.dump(), "`\n");
    }
  }
  return md;
}

std::string ReportChartPng(const Report& r) {
  std::vector<BarGroup> groups;
  // No bar for a missing metric, nor for one with nothing to count (n/a in the table: a
  // Wilson interval of [0, 1] would draw a whisker over the whole plot).
  auto bar = [](const Proportion* p) -> std::optional<BarValue> {
    if (p == nullptr || p->n == 0) return std::nullopt;
    return BarValue{p->rate(), p->Wilson()};
  };
  for (const Pair& p : PairMetrics(r)) groups.push_back({p.name, bar(p.baseline), bar(p.candidate)});
  BarChartOptions options;
  options.title = Title(r);
  options.baseline_label = base::StrCat("baseline ", r.baseline.model);
  options.candidate_label = base::StrCat("candidate ", r.candidate.model);
  return EncodePng(RenderBarChart(groups, options));
}

absl::Status WriteReport(const Report& report, const std::string& dir) {
  TM_RETURN_IF_ERROR(base::MakeDirs(dir));
  const std::filesystem::path d(dir);
  TM_RETURN_IF_ERROR(base::WriteFileAtomic((d / "report.json").string(), base::DumpJsonPretty(ReportToJson(report)) + "\n"));
  TM_RETURN_IF_ERROR(base::WriteFileAtomic((d / "report.md").string(), ReportToMarkdown(report)));
  const std::string png = ReportChartPng(report);
  if (png.empty()) return absl::ResourceExhaustedError("could not compress the chart");
  return base::WriteFileAtomic((d / "report.png").string(), png);
}

}  // namespace tracemill::eval
