// Registration of the `tracemill` subcommands. Each Add*Command adds its subcommand and
// flags to `app`; the subcommand's callback runs the job and sets *exit_code.
#ifndef TRACEMILL_CLI_COMMANDS_H_
#define TRACEMILL_CLI_COMMANDS_H_

namespace CLI {
class App;
}

namespace tracemill::cli {

void AddCurateCommand(CLI::App& app, int* exit_code);
void AddUnrollCommand(CLI::App& app, int* exit_code);
void AddTokenizeCommand(CLI::App& app, int* exit_code);
void AddCollectCommand(CLI::App& app, int* exit_code);
void AddChatCommand(CLI::App& app, int* exit_code);
void AddDemoTeacherCommand(CLI::App& app, int* exit_code);
void AddEvalCommand(CLI::App& app, int* exit_code);
// Only in builds with libtorch (TRACEMILL_HAS_TORCH).
void AddModelCommand(CLI::App& app, int* exit_code);
void AddTrainCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
void AddDemoCommand(CLI::App& app, int* exit_code);

}  // namespace tracemill::cli

#endif  // TRACEMILL_CLI_COMMANDS_H_
