// Whether a tool call may run. Headless runs use a policy of allow and deny patterns on
// the tool's function name (glob: * and ?); deny wins; a name matching neither gets the
// default. Interactive runs ask on the terminal, as the reference agent does; any other
// decision can be plugged in as AgentOptions::approve (agent.h).
#ifndef TRACEMILL_LIBS_AGENT_APPROVAL_H_
#define TRACEMILL_LIBS_AGENT_APPROVAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "libs/base/json.h"

namespace tracemill::agent {

// The tool message a refused call gets (the reference agent's wording).
inline constexpr std::string_view kRejectedMessage = "User rejected tool call.";

struct ApprovalPolicy {
  std::vector<std::string> allow;  // empty: everything is allowed unless denied
  std::vector<std::string> deny;
  bool interactive = false;        // ask on the terminal (y/n) instead

  // For headless runs.
  bool Allows(std::string_view function_name) const;
};

// Glob match of `text` against `pattern` (* any run, ? one byte).
bool GlobMatch(std::string_view pattern, std::string_view text);

// "Tool call: NAME\n" then "  key: value\n" per argument (strings unquoted), as the
// reference agent shows a call before asking.
std::string DescribeToolCall(std::string_view function_name, const Json& arguments);

// Shows the call (DescribeToolCall) on stderr and reads y/n from the terminal;
// anything but y/yes is no. Blocking: for the interactive `tracemill chat` only.
bool AskOnTerminal(std::string_view function_name, const Json& arguments);

}  // namespace tracemill::agent

#endif  // TRACEMILL_LIBS_AGENT_APPROVAL_H_
