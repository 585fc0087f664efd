// `tracemill curate`: validation gates and edits over traces, with a report.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/base/file_io.h"
#include "libs/base/logging.h"
#include "libs/base/progress.h"
#include "libs/base/str_cat.h"
#include "libs/trace/curate_options.h"
#include "libs/text/chat_format.h"
#include "libs/text/trace_tokens.h"
#include "libs/trace/curator.h"

namespace tracemill::cli {
namespace {

struct CurateFlags {
  std::vector<std::string> inputs;
  std::string output = "curated.jsonl";
  std::string rules;
  std::string report;
  std::string rejects;
  bool no_drop_guidance = false;
  std::vector<std::string> guidance_texts;
  std::vector<std::string> guidance_files;
  std::vector<std::string> delete_messages;
  std::vector<std::string> delete_user_turns;
  bool merge_user_turns = false;
  bool drop_reasoning = false;
  int64_t truncate = -1;  // -1: as the rules say; 0: off
  bool no_redact = false;
  bool redact_emails = false;
  bool no_dedupe = false;
  std::string on_tool_error;
  bool no_check_schema = false;
  std::vector<std::string> drop_on;
  std::string model;
  int64_t max_tokens = -1;                 // -1: as the rules say; 0: off
  std::string over_max_tokens;             // drop | report
  int64_t truncate_tokens = -1;            // -1: as the rules say; 0: off
  bool quiet = false;
};

// Secret values from the environment are scrubbed literally wherever they appear.
void AddEnvironmentSecrets(trace::RedactOptions* options) {
  for (const char* name : {"OPENAI_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
                           "TRACEMILL_API_KEY", "ANTHROPIC_API_KEY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') options->literals.push_back(value);
  }
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tracemill curate: %s\n", std::string(status.message()).c_str());
  return 1;
}

int RunCurate(const CurateFlags& f) {
  trace::CurateOptions options;
  if (!f.rules.empty()) {
    auto loaded = trace::LoadCurateRules(f.rules, options);
    if (!loaded.ok()) return Fail(loaded.status());
    options = std::move(*loaded);
  }
  // Flags given on the command line override the rules file.
  if (f.no_drop_guidance) options.drop_guidance = false;
  for (const auto& t : f.guidance_texts) options.guidance_texts.push_back(t);
  for (const auto& path : f.guidance_files) {
    auto text = base::ReadFile(path);
    if (!text.ok()) return Fail(text.status());
    options.guidance_texts.push_back(std::move(*text));
  }
  for (const auto& text : f.delete_messages) {
    auto ref = trace::ParseMessageRef(text);
    if (!ref.ok()) return Fail(ref.status());
    options.delete_messages.push_back(*ref);
  }
  for (const auto& text : f.delete_user_turns) {
    auto ref = trace::ParseMessageRef(text);
    if (!ref.ok()) return Fail(ref.status());
    options.delete_user_turns.push_back(*ref);
  }
  if (f.merge_user_turns) options.merge_user_turns = true;
  if (f.drop_reasoning) options.drop_reasoning = true;
  if (f.truncate >= 0) options.truncate_tool_results = static_cast<size_t>(f.truncate);
  if (f.no_redact) options.redact = false;
  if (f.redact_emails) options.redact_options.emails = true;
  if (f.no_dedupe) options.dedupe = false;
  if (f.no_check_schema) options.gates.check_schema = false;
  if (!f.on_tool_error.empty()) {
    options.on_tool_error =
        f.on_tool_error == "drop" ? trace::ToolErrorPolicy::kDrop : trace::ToolErrorPolicy::kKeep;
  }
  if (!f.drop_on.empty()) {
    options.drop_on.clear();
    for (const auto& name : f.drop_on) {
      trace::Gate gate;
      if (name == "none") continue;
      if (!trace::ParseGateName(name, &gate)) {
        return Fail(
            absl::InvalidArgumentError(base::StrCat("--drop-on: unknown gate \"", name, "\"")));
      }
      options.drop_on.insert(gate);
    }
  }
  if (f.max_tokens >= 0) options.max_tokens = static_cast<size_t>(f.max_tokens);
  if (!f.over_max_tokens.empty()) options.drop_over_max_tokens = f.over_max_tokens == "drop";
  if (f.truncate_tokens >= 0) {
    options.truncate_tool_results_tokens = static_cast<size_t>(f.truncate_tokens);
  }
  if (!f.model.empty()) {
    // Tokens are counted with the model's own template and tokenizer, as training sees them.
    auto format = text::ChatFormat::FromDirectory(f.model);
    if (!format.ok()) return Fail(format.status());
    text::BindTokenRules(std::shared_ptr<const text::ChatFormat>(std::move(*format)), &options);
  } else if (options.token_rules_need_model()) {
    return Fail(absl::InvalidArgumentError(
        "--max-tokens and --truncate-tool-results-tokens (or their rules) count the model's "
        "tokens: pass --model DIR (a directory with tokenizer.json and tokenizer_config.json)"));
  }
  AddEnvironmentSecrets(&options.redact_options);

  base::ProgressBar bar("curate", 0, base::ProgressBar::Unit::kBytes, !f.quiet);
  trace::CurateFilesOptions files;
  files.output = f.output;
  files.rejects = f.rejects;
  files.progress = [&bar](uint64_t done, uint64_t total) {
    bar.SetTotal(total);
    bar.Update(done);
  };
  trace::CurateReport report;
  absl::Status status = trace::CurateFiles(f.inputs, options, files, &report);
  bar.Finish();
  if (!status.ok()) return Fail(status);
  if (!f.report.empty()) {
    absl::Status s = base::WriteFileAtomic(f.report, base::DumpJsonPretty(report.ToJson()) + "\n");
    if (!s.ok()) return Fail(s);
  }
  if (!f.quiet) std::fprintf(stderr, "%s", report.ToText().c_str());
  if (report.read.skipped > 0) {
    TM_LOG(WARNING) << report.read.skipped << " input records were skipped; see the report";
  }
  if (report.traces_out == 0 && report.traces_in > 0) {
    TM_LOG(WARNING) << "every trace was dropped; see --rejects for why";
  }
  return 0;
}

}  // namespace

void AddCurateCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CurateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "curate",
      "Validate and edit traces: structure/format/execution/outcome gates, guidance-prompt "
      "removal, message and turn deletion, user-turn merging, tool-result truncation, "
      "secret redaction and exact de-duplication. Writes kept traces as JSONL and prints "
      "a report.");
  cmd->add_option("inputs", flags->inputs,
                  "Trace files (.json, .jsonl), directories of them, or - for stdin")
      ->required();
  cmd->add_option("-o,--output", flags->output, "Kept traces, JSONL (- for stdout)")
      ->capture_default_str();
  cmd->add_option("--rules", flags->rules, "YAML rules file (flags below override it)");
  cmd->add_option("--report", flags->report, "Write the report as JSON here");
  cmd->add_option("--rejects", flags->rejects,
                  "Write dropped traces here (JSONL, each with the findings that dropped it)");
  cmd->add_flag("--no-drop-guidance", flags->no_drop_guidance,
                "Keep messages marked as guidance prompts");
  cmd->add_option("--guidance-text", flags->guidance_texts,
                  "Drop system/user messages with exactly this text (repeatable)");
  cmd->add_option("--guidance-file", flags->guidance_files,
                  "Drop system/user messages whose text equals this file's (repeatable)");
  cmd->add_option("--delete-message", flags->delete_messages,
                  "Delete message INDEX of trace ID, as ID:INDEX (repeatable)");
  cmd->add_option("--delete-user-turn", flags->delete_user_turns,
                  "Delete the K-th user turn (0-based) of trace ID, as ID:K (repeatable)");
  cmd->add_flag("--merge-user-turns", flags->merge_user_turns,
                "Merge consecutive user messages into one");
  cmd->add_flag("--drop-reasoning", flags->drop_reasoning,
                "Strip assistant reasoning (reasoning_content, <think> blocks): rows for a student "
                "that answers without thinking");
  cmd->add_option("--truncate-tool-results", flags->truncate,
                  "Truncate tool results to N characters, with the reference agent's marker "
                  "(0: off, overriding the rules file)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-redact", flags->no_redact, "Do not redact secrets");
  cmd->add_flag("--redact-emails", flags->redact_emails, "Also redact e-mail addresses");
  cmd->add_flag("--no-dedupe", flags->no_dedupe, "Keep exact duplicates");
  cmd->add_option("--on-tool-error", flags->on_tool_error,
                  "What to do with traces whose tools returned errors")
      ->check(CLI::IsMember({"keep", "drop"}));
  cmd->add_flag("--no-check-schema", flags->no_check_schema,
                "Do not validate tool-call arguments against the tools' JSON schemas");
  cmd->add_option("--drop-on", flags->drop_on,
                  "Gates whose findings drop a trace (structure, format, execution, outcome, "
                  "or none)")
      ->delimiter(',');
  cmd->add_option("--model", flags->model,
                  "Model directory (tokenizer.json, tokenizer_config.json) whose chat template "
                  "and tokenizer count tokens; with it the report gives token counts");
  cmd->add_option("--max-tokens", flags->max_tokens,
                  "Sequence length: traces whose full rendering is longer are dropped (or "
                  "reported, --over-max-tokens report); 0: off. Needs --model")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--over-max-tokens", flags->over_max_tokens,
                  "What to do with traces over --max-tokens")
      ->check(CLI::IsMember({"drop", "report"}));
  cmd->add_option("--truncate-tool-results-tokens", flags->truncate_tokens,
                  "Truncate tool results to N model tokens, marked \"[Content truncated to N "
                  "tokens]\" (0: off). Needs --model")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress bar and no printed report");
  cmd->callback([flags, exit_code] { *exit_code = RunCurate(*flags); });
}

}  // namespace tracemill::cli
