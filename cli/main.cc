// tracemill: turn agent runs into better models. Parses the command line and dispatches
// to a subcommand; see `tracemill --help`.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/base/logging.h"

int main(int argc, char** argv) {
  CLI::App app{
      "tracemill: collect agent traces, curate and unroll them into a dataset, "
      "fine-tune with LoRA, evaluate before/after."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tracemill 0.1.0");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warning, error or off")
      ->capture_default_str();
  int exit_code = 0;
  tracemill::cli::AddCollectCommand(app, &exit_code);
  tracemill::cli::AddChatCommand(app, &exit_code);
  tracemill::cli::AddDemoTeacherCommand(app, &exit_code);
  tracemill::cli::AddCurateCommand(app, &exit_code);
  tracemill::cli::AddUnrollCommand(app, &exit_code);
  tracemill::cli::AddTokenizeCommand(app, &exit_code);
  tracemill::cli::AddEvalCommand(app, &exit_code);
#ifdef TRACEMILL_HAS_TORCH
  tracemill::cli::AddDemoCommand(app, &exit_code);
  tracemill::cli::AddModelCommand(app, &exit_code);
  tracemill::cli::AddTrainCommand(app, &exit_code);
  tracemill::cli::AddServeCommand(app, &exit_code);
#endif
  app.parse_complete_callback([&] {
    tracemill::base::LogLevel level;
    if (!tracemill::base::ParseLogLevel(log_level, &level)) {
      throw CLI::ValidationError("--log-level", "unknown level " + log_level);
    }
    tracemill::base::SetMinLogLevel(level);
  });
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
