#include "libs/trace/curator.h"

#include <algorithm>
#include <memory>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/trace/edits.h"
#include "libs/trace/jsonl_writer.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {

void AddAll(const std::map<std::string, int64_t>& from, Json* to) {
  for (const auto& [k, v] : from) (*to)[k] = v;
}

void AppendCounters(std::string* out, const char* title, const std::map<std::string, int64_t>& m) {
  if (m.empty()) return;
  base::StrAppend(out, title, ":\n");
  for (const auto& [k, v] : m) base::StrAppend(out, "  ", k, ": ", v, "\n");
}

}  // namespace

Json CurateReport::ToJson() const {
  Json out = Json::object();
  out["traces_in"] = traces_in;
  out["traces_out"] = traces_out;
  out["dropped"] = dropped;
  out["dropped_by"] = Json::object();
  AddAll(dropped_by, &out["dropped_by"]);
  out["findings"] = Json::object();
  AddAll(findings, &out["findings"]);
  out["tool_errors_by_kind"] = Json::object();
  AddAll(tool_errors_by_kind, &out["tool_errors_by_kind"]);
  out["edits"] = Json::object();
  AddAll(edits, &out["edits"]);
  out["redactions"] = Json::object();
  out["redactions"]["total"] = redactions.total;
  out["redactions"]["by_kind"] = Json::object();
  AddAll(redactions.by_kind, &out["redactions"]["by_kind"]);
  out["messages_in"] = messages_in;
  out["messages_out"] = messages_out;
  if (tokens_counted > 0 || over_max_tokens > 0) {
    out["tokens"] = {{"traces", tokens_counted},
                     {"total", tokens_total},
                     {"max", tokens_max},
                     {"over_max_tokens", over_max_tokens}};
  }
  out["unmatched_refs"] = unmatched_refs;
  out["read"] = read.ToJson();
  out["examples"] = examples;
  return out;
}

std::string CurateReport::ToText() const {
  std::string out;
  base::StrAppend(&out, "read: ", read.ok, " traces from ", read.files, " files (", read.skipped,
                  " records skipped)\n");
  AppendCounters(&out, "skipped records", read.skipped_by_reason);
  base::StrAppend(&out, "curated: ", traces_in, " in, ", traces_out, " kept, ", dropped,
                  " dropped\n");
  AppendCounters(&out, "dropped by", dropped_by);
  AppendCounters(&out, "gate findings", findings);
  AppendCounters(&out, "tool errors by kind", tool_errors_by_kind);
  AppendCounters(&out, "edits", edits);
  if (redactions.total > 0) AppendCounters(&out, "redacted secrets", redactions.by_kind);
  base::StrAppend(&out, "messages: ", messages_in, " in, ", messages_out, " out\n");
  if (tokens_counted > 0 || over_max_tokens > 0) {
    base::StrAppend(&out, "tokens: ", tokens_total, " in ", tokens_counted, " kept traces (longest ",
                    tokens_max, "), ", over_max_tokens, " over max_tokens\n");
  }
  for (const std::string& ref : unmatched_refs) {
    base::StrAppend(&out, "  warning: deletion ", ref, " named no trace that came by\n");
  }
  for (const ReadIssue& issue : read.issues) {
    base::StrAppend(&out, "  skipped (", issue.reason, "): ", issue.message, "\n");
    if (&issue - read.issues.data() >= 9) {
      base::StrAppend(&out, "  ... see the JSON report for more\n");
      break;
    }
  }
  for (const std::string& e : examples) base::StrAppend(&out, "  dropped: ", e, "\n");
  return out;
}

Curator::Curator(CurateOptions options)
    : options_(std::move(options)), redactor_(options_.redact_options) {}

CurateDecision Curator::Drop(const Trace& trace, std::string dropped_by, std::string reason) {
  ++report_.dropped;
  ++report_.dropped_by[dropped_by];
  if (report_.examples.size() < CurateReport::kMaxExamples) {
    report_.examples.push_back(base::StrCat(trace.id, ": ", reason));
  }
  CurateDecision decision;
  decision.keep = false;
  decision.dropped_by = std::move(dropped_by);
  decision.reason = std::move(reason);
  return decision;
}

CurateDecision Curator::Process(Trace* trace) {
  ++report_.traces_in;
  report_.messages_in += static_cast<int64_t>(trace->messages.size());
  const size_t provenance_before = trace->provenance.size();
  auto count_edits = [&] {
    for (size_t i = provenance_before; i < trace->provenance.size(); ++i) {
      ++report_.edits[trace->provenance[i].op];
    }
  };

  std::vector<int> message_indices;
  std::vector<int> user_turns;
  for (const MessageRef& ref : options_.delete_messages) {
    if (ref.trace_id == trace->id) message_indices.push_back(ref.index);
  }
  for (const MessageRef& ref : options_.delete_user_turns) {
    if (ref.trace_id == trace->id) user_turns.push_back(ref.index);
  }
  if (!message_indices.empty() || !user_turns.empty()) {
    matched_ids_.insert(trace->id);
    absl::Status s = DeleteMessages(trace, message_indices, user_turns);
    if (!s.ok()) {
      // Rejects are written too: they get the same redaction as kept traces.
      if (options_.redact) redactor_.RedactTrace(trace, &report_.redactions);
      count_edits();
      return Drop(*trace, "edit_failed", std::string(s.message()));
    }
  }
  if (options_.drop_guidance) DropGuidance(trace, options_.guidance_texts);
  if (options_.merge_user_turns) MergeConsecutiveUserTurns(trace, options_.merge_separator);
  if (options_.drop_reasoning) DropReasoning(trace);
  if (options_.redact) redactor_.RedactTrace(trace, &report_.redactions);
  if (options_.truncate_tool_results > 0) {
    TruncateToolResults(trace, options_.truncate_tool_results);
  }
  if (options_.truncate_tool_results_tokens > 0) {
    TruncateToolResultsToTokens(trace, options_.truncate_tool_results_tokens, options_.tokens);
  }
  count_edits();

  std::vector<Finding> blocking;
  for (Finding& f : RunGates(*trace, options_.gates)) {
    ++report_.findings[base::StrCat(GateName(f.gate), ".", f.check)];
    bool blocks;
    if (f.gate == Gate::kExecution) {
      ++report_.tool_errors_by_kind[f.kind];
      blocks = options_.on_tool_error == ToolErrorPolicy::kDrop;
    } else {
      blocks = options_.drop_on.count(f.gate) > 0;
    }
    if (blocks) blocking.push_back(std::move(f));
  }
  if (!blocking.empty()) {
    const Finding& first = blocking.front();
    CurateDecision decision =
        Drop(*trace, std::string(GateName(first.gate)),
             base::StrCat(GateName(first.gate), ".", first.check, ": ", first.message));
    decision.findings = std::move(blocking);
    return decision;
  }
  if (options_.dedupe && !deduper_.Insert(*trace)) {
    return Drop(*trace, "duplicate", "same messages and tools as an earlier trace");
  }
  if (options_.count_trace_tokens) {
    absl::StatusOr<size_t> tokens = options_.count_trace_tokens(*trace);
    if (!tokens.ok()) {
      return Drop(*trace, "template",
                  base::StrCat("the model's chat template cannot render it: ",
                               tokens.status().message()));
    }
    const auto n = static_cast<int64_t>(*tokens);
    if (options_.max_tokens > 0 && *tokens > options_.max_tokens) {
      ++report_.over_max_tokens;
      if (options_.drop_over_max_tokens) {
        return Drop(*trace, "max_tokens",
                    base::StrCat(n, " tokens, over max_tokens ", options_.max_tokens));
      }
    }
    ++report_.tokens_counted;
    report_.tokens_total += n;
    report_.tokens_max = std::max(report_.tokens_max, n);
  }
  ++report_.traces_out;
  report_.messages_out += static_cast<int64_t>(trace->messages.size());
  return CurateDecision{};
}

void Curator::Finish() {
  report_.unmatched_refs.clear();
  for (const auto* refs : {&options_.delete_messages, &options_.delete_user_turns}) {
    for (const MessageRef& ref : *refs) {
      if (matched_ids_.count(ref.trace_id) == 0) {
        report_.unmatched_refs.push_back(base::StrCat(ref.trace_id, ":", ref.index));
      }
    }
  }
}

absl::Status CurateFiles(const std::vector<std::string>& inputs, const CurateOptions& options,
                         const CurateFilesOptions& files, CurateReport* report) {
  TM_ASSIGN_OR_RETURN(auto reader, TraceReader::Open(inputs));
  TM_ASSIGN_OR_RETURN(auto out, JsonlWriter::Open(files.output));
  std::unique_ptr<JsonlWriter> rejects;
  if (!files.rejects.empty()) {
    TM_ASSIGN_OR_RETURN(rejects, JsonlWriter::Open(files.rejects));
  }
  Curator curator(options);
  Trace trace;
  int64_t n = 0;
  for (;;) {
    TM_ASSIGN_OR_RETURN(bool more, reader->Next(&trace));
    if (!more) break;
    CurateDecision decision = curator.Process(&trace);
    if (decision.keep) {
      TM_RETURN_IF_ERROR(out->WriteTrace(trace));
    } else if (rejects != nullptr) {
      Json j = TraceToJson(trace);
      Json findings = Json::array();
      for (const Finding& f : decision.findings) {
        findings.push_back({{"gate", std::string(GateName(f.gate))},
                            {"check", f.check},
                            {"message", f.message},
                            {"message_index", f.message_index}});
      }
      j["rejected"] = {{"by", decision.dropped_by},
                       {"reason", decision.reason},
                       {"findings", std::move(findings)}};
      TM_RETURN_IF_ERROR(rejects->Write(j));
    }
    if (files.progress && (++n % 256) == 0) {
      files.progress(reader->summary().bytes, reader->total_bytes());
    }
  }
  if (files.progress) files.progress(reader->summary().bytes, reader->total_bytes());
  TM_RETURN_IF_ERROR(out->Close());
  if (rejects != nullptr) TM_RETURN_IF_ERROR(rejects->Close());
  curator.Finish();
  *report = curator.report();
  report->read = reader->summary();
  // Skip messages can quote input values; they reach logs and report files.
  if (options.redact) {
    for (ReadIssue& issue : report->read.issues) {
      curator.redactor().RedactText(&issue.message, nullptr);
    }
  }
  return absl::OkStatus();
}

}  // namespace tracemill::trace
