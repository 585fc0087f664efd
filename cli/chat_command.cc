// `tracemill chat`: the reference agent's interactive REPL on tracemill's agent session,
// writing the same traces as `tracemill collect`.
//
// Ctrl-C reaches the REPL through a self-pipe: the handler writes a byte; during a turn
// the event loop watches the pipe and interrupts the turn, at a prompt the line reader
// watches it and ends the wait. SA_RESTART keeps every other system call (the trace
// store's writes among them) from seeing EINTR.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/agent/agent.h"
#include "libs/agent/agent_config.h"
#include "libs/agent/approval.h"
#include "libs/agent/trace_store.h"
#include "libs/base/file_io.h"
#include "libs/base/ids.h"
#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/llm/openai_client.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_client.h"

namespace tracemill::cli {
namespace {

struct ChatFlags {
  std::string config;
  std::string out = "traces";
  bool yes = false;
  int64_t truncate = -1;  // -1: the config's
  std::string run_id;
  std::string model;
  std::string system_prompt_file;
  bool hide_reasoning = false;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tracemill chat: %s\n", std::string(status.message()).c_str());
  return 1;
}

int g_interrupt_pipe[2] = {-1, -1};

void OnInterrupt(int) {
  const int saved = errno;
  const char byte = 1;
  const ssize_t written = write(g_interrupt_pipe[1], &byte, 1);
  (void)written;
  errno = saved;
}

void Drain(int fd) {
  char buf[64];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whitespace runs become one space; longer than `n` characters: cut (never inside a
// UTF-8 character) with the full length noted.
std::string Short(std::string_view text, size_t n = 200) {
  std::string flat;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (flat.empty() || flat.back() == ' ')) continue;
    flat.push_back(space ? ' ' : c);
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  size_t chars = 0;
  for (size_t i = 0; i < flat.size(); ++i) {
    if ((static_cast<unsigned char>(flat[i]) & 0xC0) == 0x80) continue;
    if (chars++ == n) return base::StrCat(flat.substr(0, i), "... (", text.size(), " bytes)");
  }
  return flat;
}

void Out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// Lines from stdin, read with read(2) so that a Ctrl-C can end the wait. On a terminal
// read() returns at most one line, so nothing typed ahead is taken from others.
class LineReader {
 public:
  enum class Result { kLine, kEnd, kInterrupted };
  explicit LineReader(int interrupt_fd) : interrupt_fd_(interrupt_fd) {}

  Result Read(std::string* line) {
    for (;;) {
      if (const size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        *line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return Result::kLine;
      }
      if (eof_) {
        if (buffer_.empty()) return Result::kEnd;
        *line = std::move(buffer_);
        buffer_.clear();
        return Result::kLine;
      }
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {interrupt_fd_, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        eof_ = true;
        continue;
      }
      if (fds[1].revents & POLLIN) {
        Drain(interrupt_fd_);
        return Result::kInterrupted;
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
        char buf[4096];
        const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n > 0) {
          buffer_.append(buf, static_cast<size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof_ = true;
        }
      }
    }
  }

 private:
  int interrupt_fd_;
  std::string buffer_;
  bool eof_ = false;
};

// Prints each step of a turn as it happens.
class StepPrinter {
 public:
  StepPrinter(bool color, bool show_reasoning) : color_(color), show_reasoning_(show_reasoning) {}

  void operator()(const trace::Message& m, const trace::ToolCall* call) const {
    if (m.role == trace::Role::kAssistant) {
      const std::string reasoning = Trim(m.reasoning_content.value_or(""));
      if (show_reasoning_ && !reasoning.empty()) {
        Out(color_ ? base::StrCat("\033[2m", reasoning, "\033[0m\n")
                   : base::StrCat("[reasoning] ", reasoning, "\n"));
      }
      const std::string content = Trim(m.Text());
      if (!content.empty()) Out(base::StrCat(content, "\n"));
      for (const trace::ToolCall& c : m.tool_calls) {
        Out(Paint("\033[36m", base::StrCat("-> ", c.name, " ", Short(c.arguments))));
      }
    } else if (m.role == trace::Role::kTool) {
      const bool error = m.extra.is_object() && m.extra.value("is_error", false);
      Out(Paint("\033[2m", base::StrCat("<- ", call != nullptr ? call->name : "tool",
                                        error ? " (error): " : ": ", Short(m.Text()))));
    }
  }

 private:
  std::string Paint(const char* code, const std::string& line) const {
    return color_ ? base::StrCat(code, line, "\033[0m\n") : base::StrCat(line, "\n");
  }

  bool color_;
  bool show_reasoning_;
};

int RunChat(const ChatFlags& f) {
  auto config = agent::LoadAgentConfig(f.config);
  if (!config.ok()) return Fail(config.status());
  // The key comes from the environment only; it goes into the Authorization header and
  // nowhere else.
  if (const char* key = std::getenv(config->api_key_env.c_str()); key != nullptr) {
    config->endpoint.api_key = key;
  }
  if (!f.model.empty()) config->endpoint.model = f.model;
  agent::AgentOptions options = config->options;
  if (!f.system_prompt_file.empty()) {
    auto prompt = base::ReadFile(f.system_prompt_file);
    if (!prompt.ok()) return Fail(prompt.status());
    options.system_prompt = *prompt;
  }
  if (f.truncate >= 0) options.truncate_chars = f.truncate;
  options.run_id = f.run_id.empty() ? base::NewId() : f.run_id;

  if (pipe(g_interrupt_pipe) != 0) return Fail(absl::InternalError("cannot create a pipe"));
  for (int fd : g_interrupt_pipe) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  LineReader reader(g_interrupt_pipe[0]);
  agent::AgentSession* session_ptr = nullptr;
  // On a terminal every call is confirmed, as in the reference agent; piped input (or
  // --yes) leaves the decision to the config's approval policy.
  const bool ask = !f.yes && isatty(STDIN_FILENO) == 1;
  if (ask) {
    options.approve = [&](const std::string& name, const Json& arguments) {
      Out(base::StrCat(agent::DescribeToolCall(name, arguments), "Run this tool? [y/n] "));
      std::string answer;
      const LineReader::Result r = reader.Read(&answer);
      if (r == LineReader::Result::kInterrupted) {
        Out("\n");
        session_ptr->Interrupt();
        return false;
      }
      answer = Lower(Trim(answer));
      return r == LineReader::Result::kLine && (answer == "y" || answer == "yes");
    };
  }

  net::EventLoop loop;
  net::HttpClient http(&loop);
  llm::OpenAiClient model(&loop, &http, config->endpoint);
  agent::TraceStore store(f.out);
  agent::AgentSession session(&loop, &model, config->servers, options, &store);
  session_ptr = &session;
  const bool color = isatty(STDOUT_FILENO) == 1;
  session.set_observer(StepPrinter(color, !f.hide_reasoning));
  bool interrupted = false;  // by Ctrl-C while the loop ran
  const net::EventLoop::WatchId watch =
      loop.Watch(g_interrupt_pipe[0], net::EventLoop::kReadable, [&](int) {
        Drain(g_interrupt_pipe[0]);
        if (color) Out("\n");  // after the terminal's ^C
        interrupted = true;
        session.Interrupt();
      });
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  struct sigaction previous = {};
  sigaction(SIGINT, &action, &previous);

  const absl::Status opened = net::RunTask(loop, session.Open());
  const std::string path = store.PathFor(session.trace().id);
  int exit_code = 0;
  if (!opened.ok()) {
    exit_code = Fail(opened);
  } else if (!interrupted) {  // Ctrl-C while the servers started: no chat
    std::fprintf(stderr,
                 "tracemill chat: %s, %zu tools; trace %s; type exit or quit (or Ctrl-D) to "
                 "end, Ctrl-C to stop a turn\n",
                 config->endpoint.model.c_str(), session.trace().tools.size(), path.c_str());
    for (;;) {
      Out("> ");
      std::string line;
      const LineReader::Result r = reader.Read(&line);
      if (r != LineReader::Result::kLine) {
        Out("\n");
        break;
      }
      line = Trim(line);
      if (line.empty()) continue;
      const std::string command = Lower(line);
      if (command == "exit" || command == "quit") break;
      const agent::TurnResult result = net::RunTask(loop, session.Turn(line));
      if (result.status != "success") {
        std::fprintf(stderr, "(turn %s: %s)\n", result.status.c_str(), result.detail.c_str());
      }
    }
  }
  net::RunTask(loop, session.Close());
  loop.Unwatch(watch);
  sigaction(SIGINT, &previous, nullptr);
  if (absl::Status flushed = store.Flush(); !flushed.ok()) return Fail(flushed);
  if (session.turns() == 0) {
    // As the reference agent: a chat without a user message leaves no trace.
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::fprintf(stderr, "tracemill chat: no user message, no trace kept\n");
  } else {
    std::fprintf(stderr, "trace: %s (%s, %d user turns)\n", path.c_str(),
                 session.trace().outcome.status.c_str(), session.turns());
  }
  return exit_code;
}

}  // namespace

void AddChatCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ChatFlags>();
  CLI::App* cmd = app.add_subcommand(
      "chat",
      "Chat with the model of --config and its MCP tools, as the reference agent's REPL does: "
      "type a message at the \"> \" prompt; the model's reasoning, each tool call and a short "
      "tool result are shown as they happen, then the answer. exit, quit or Ctrl-D ends the "
      "chat; Ctrl-C stops a running turn (at the prompt it ends the chat). On a terminal "
      "every tool call is confirmed y/n (\"User rejected tool call.\" on no); with --yes or "
      "piped input the config's approval policy decides. Limits of the config apply per "
      "user turn. The conversation is one trace in --out, in collect's format, kept on disk "
      "at every step; its outcome is the last turn's.");
  cmd->add_option("-c,--config", f->config, "Agent configuration (YAML or JSON)")->required();
  cmd->add_option("-o,--out,--trace-dir", f->out, "Trace directory")->capture_default_str();
  cmd->add_flag("-y,--yes,--no-approve", f->yes,
                "Do not ask before tool calls: the config's approval policy decides");
  cmd->add_option("--truncate", f->truncate,
                  "Cut tool results to N characters (default: the config's truncate)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--run-id", f->run_id, "Run id recorded in the trace (default: a new one)");
  cmd->add_option("--model", f->model, "Model name (default: the config's endpoint.model)");
  cmd->add_option("--system-prompt-file", f->system_prompt_file,
                  "System prompt from this file instead of the config's");
  cmd->add_flag("--hide-reasoning", f->hide_reasoning, "Do not print the model's reasoning");
  cmd->callback([f, exit_code] { *exit_code = RunChat(*f); });
}

}  // namespace tracemill::cli
