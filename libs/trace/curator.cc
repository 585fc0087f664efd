#include "libs/trace/curator.h"

#include <algorithm>
#include <limits>
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

void Curator::Drop(const Trace& trace, const std::string& reason, const std::string& example) {
  ++report_.dropped;
  ++report_.dropped_by[reason];
  if (report_.examples.size() < CurateReport::kMaxExamples) {
    report_.examples.push_back(base::StrCat(trace.id, ": ", example));
  }
}

bool Curator::Process(Trace* trace, std::vector<Finding>* dropped_findings) {
  ++report_.traces_in;
  report_.messages_in += static_cast<int64_t>(trace->messages.size());
  const size_t provenance_before = trace->provenance.size();

  // Deletions name messages and user turns of the input trace, so they run first, from
  // the last position to the first: each deletion then leaves the positions still to
  // be deleted where they were.
  struct Deletion {
    int position;
    bool turn;
    int arg;
  };
  std::vector<Deletion> deletions;
  for (const MessageRef& ref : options_.delete_messages) {
    if (ref.trace_id == trace->id) deletions.push_back({ref.index, false, ref.index});
  }
  for (const MessageRef& ref : options_.delete_user_turns) {
    if (ref.trace_id != trace->id) continue;
    int position = std::numeric_limits<int>::max();  // out of range: fails first, loudly
    int users = 0;
    for (size_t i = 0; i < trace->messages.size(); ++i) {
      if (trace->messages[i].role == Role::kUser && users++ == ref.index) {
        position = static_cast<int>(i);
        break;
      }
    }
    deletions.push_back({position, true, ref.index});
  }
  std::sort(deletions.begin(), deletions.end(),
            [](const Deletion& a, const Deletion& b) { return a.position > b.position; });
  for (const Deletion& d : deletions) {
    absl::Status s = d.turn ? DeleteUserTurn(trace, d.arg) : DeleteMessage(trace, d.arg);
    if (!s.ok()) {
      Drop(*trace, "edit_failed", std::string(s.message()));
      if (dropped_findings) {
        dropped_findings->push_back(
            {Gate::kStructure, "edit_failed", std::string(s.message()), d.turn ? -1 : d.arg});
      }
      return false;
    }
  }
  if (options_.drop_guidance) DropGuidance(trace, options_.guidance_texts);
  if (options_.merge_user_turns) MergeConsecutiveUserTurns(trace, options_.merge_separator);
  if (options_.truncate_tool_results > 0)
    TruncateToolResults(trace, options_.truncate_tool_results);
  if (options_.redact) redactor_.RedactTrace(trace, &report_.redactions);
  for (size_t i = provenance_before; i < trace->provenance.size(); ++i) {
    ++report_.edits[trace->provenance[i].op];
  }

  std::vector<Finding> findings = RunGates(*trace, options_.gates);
  std::vector<Finding> blocking;
  for (const Finding& f : findings) {
    ++report_.findings[base::StrCat(GateName(f.gate), ".", f.check)];
    if (f.gate == Gate::kExecution) {
      // Count tool errors by the kind the execution gate classified.
      std::string kind;
      if (f.message_index >= 0 && f.message_index < static_cast<int>(trace->messages.size()) &&
          IsToolErrorResult(trace->messages[f.message_index], &kind)) {
        ++report_.tool_errors_by_kind[kind];
      }
      if (options_.on_tool_error == ToolErrorPolicy::kDrop) blocking.push_back(f);
    } else if (options_.drop_on.count(f.gate) > 0) {
      blocking.push_back(f);
    }
  }
  if (!blocking.empty()) {
    const Finding& first = blocking.front();
    Drop(*trace, std::string(GateName(first.gate)),
         base::StrCat(GateName(first.gate), ".", first.check, ": ", first.message));
    if (dropped_findings) *dropped_findings = std::move(blocking);
    return false;
  }
  if (options_.dedupe && !deduper_.Insert(*trace)) {
    Drop(*trace, "duplicate", "duplicate of an earlier trace (same messages and tools)");
    if (dropped_findings) {
      dropped_findings->push_back(
          {Gate::kStructure, "duplicate", "same messages and tools as an earlier trace", -1});
    }
    return false;
  }
  ++report_.traces_out;
  report_.messages_out += static_cast<int64_t>(trace->messages.size());
  return true;
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
  std::vector<Finding> findings;
  int64_t n = 0;
  for (;;) {
    TM_ASSIGN_OR_RETURN(bool more, reader->Next(&trace));
    if (!more) break;
    findings.clear();
    if (curator.Process(&trace, &findings)) {
      TM_RETURN_IF_ERROR(out->WriteTrace(trace));
    } else if (rejects != nullptr) {
      Json j = TraceToJson(trace);
      Json why = Json::array();
      for (const Finding& f : findings) {
        why.push_back({{"gate", std::string(GateName(f.gate))},
                       {"check", f.check},
                       {"message", f.message},
                       {"message_index", f.message_index}});
      }
      j["rejected_by"] = std::move(why);
      TM_RETURN_IF_ERROR(rejects->Write(j));
    }
    if (files.progress && (++n % 256) == 0) {
      files.progress(reader->summary().bytes, reader->total_bytes());
    }
  }
  if (files.progress) files.progress(reader->summary().bytes, reader->total_bytes());
  TM_RETURN_IF_ERROR(out->Close());
  if (rejects != nullptr) TM_RETURN_IF_ERROR(rejects->Close());
  *report = curator.report();
  report->read = reader->summary();
  return absl::OkStatus();
}

}  // namespace tracemill::trace
