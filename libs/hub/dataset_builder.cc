#include "libs/hub/dataset_builder.h"

#include <functional>
#include <unordered_set>

#include "libs/base/status_macros.h"
#include "libs/hub/dataset_card.h"

namespace tracemill::hub {

Json BuildDatasetReport::ToJson() const {
  Json out = Json::object();
  out["traces"] = traces;
  out["traces_without_rows"] = traces_without_rows;
  out["duplicate_ids"] = duplicate_ids;
  out["rows"] = rows;
  out["rows_per_split"] = Json::object();
  for (const auto& [k, v] : rows_per_split) out["rows_per_split"][k] = v;
  out["traces_per_split"] = Json::object();
  for (const auto& [k, v] : traces_per_split) out["traces_per_split"][k] = v;
  out["read"] = read.ToJson();
  return out;
}

namespace {

// Pass one of an exact split: the split position of every readable trace.
absl::StatusOr<double> ExactCut(const std::vector<std::string>& inputs,
                                const trace::SplitOptions& split) {
  TM_ASSIGN_OR_RETURN(auto reader, trace::TraceReader::Open(inputs));
  std::vector<double> positions;
  trace::Trace t;
  for (;;) {
    TM_ASSIGN_OR_RETURN(bool more, reader->Next(&t));
    if (!more) break;
    positions.push_back(trace::SplitPosition(t.id, split.seed));
  }
  return trace::ExactSplitCut(std::move(positions), split.eval_ratio);
}

}  // namespace

absl::Status BuildDataset(const std::vector<std::string>& inputs,
                          const BuildDatasetOptions& options, BuildDatasetReport* report) {
  TM_RETURN_IF_ERROR(trace::ValidateSplitOptions(options.split));
  bool exact = options.split_method == SplitMethod::kExact;
  for (const std::string& input : inputs) {
    if (input == "-") exact = false;  // stdin cannot be read twice
  }
  double cut = options.split.eval_ratio;  // the hash method's cut is the ratio itself
  if (exact) {
    TM_ASSIGN_OR_RETURN(cut, ExactCut(inputs, options.split));
  }
  TM_ASSIGN_OR_RETURN(auto reader, trace::TraceReader::Open(inputs));
  TM_ASSIGN_OR_RETURN(auto writer, DatasetWriter::Open(options.out_dir, options.writer));
  *report = BuildDatasetReport();
  trace::Trace t;
  std::string line;
  std::unordered_set<size_t> seen_ids;  // 64-bit hashes: memory stays small per trace
  for (;;) {
    TM_ASSIGN_OR_RETURN(bool more, reader->Next(&t));
    if (!more) break;
    ++report->traces;
    if (!seen_ids.insert(std::hash<std::string>{}(t.id)).second) ++report->duplicate_ids;
    std::string split(trace::SplitForPosition(trace::SplitPosition(t.id, options.split.seed), cut));
    ++report->traces_per_split[split];
    std::vector<trace::RowSpan> rows = trace::UnrollSpans(t, options.mode);
    if (rows.empty()) {
      ++report->traces_without_rows;
      continue;
    }
    trace::DatasetRowEncoder encoder(t);
    for (const trace::RowSpan& row : rows) {
      line.clear();
      encoder.AppendRow(row, split, &line);
      TM_RETURN_IF_ERROR(writer->WriteLine(split, line));
      ++report->rows;
      ++report->rows_per_split[split];
    }
    if (options.progress && (report->traces % 256) == 0) {
      options.progress(reader->summary().bytes, reader->total_bytes());
    }
  }
  if (options.progress) options.progress(reader->summary().bytes, reader->total_bytes());
  report->read = reader->summary();

  DatasetCardInfo card;
  card.title = options.title;
  card.description = options.description;
  card.unroll_mode = std::string(trace::UnrollModeName(options.mode));
  card.traces = report->traces;
  card.rows_per_split = report->rows_per_split;
  card.curation = options.curation;
  TM_RETURN_IF_ERROR(writer->Close(card));
  return absl::OkStatus();
}

}  // namespace tracemill::hub
