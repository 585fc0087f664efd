#include "libs/agent/approval.h"

#include <cstdio>
#include <iostream>
#include <string>

#include "libs/base/json.h"
#include "libs/base/str_cat.h"

namespace tracemill::agent {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last *: linear in practice.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool ApprovalPolicy::Allows(std::string_view name) const {
  for (const std::string& d : deny) {
    if (GlobMatch(d, name)) return false;
  }
  if (allow.empty()) return true;
  for (const std::string& a : allow) {
    if (GlobMatch(a, name)) return true;
  }
  return false;
}

std::string DescribeToolCall(std::string_view name, const Json& arguments) {
  std::string out = base::StrCat("Tool call: ", name, "\n");
  if (arguments.is_object()) {
    for (const auto& [k, v] : arguments.items()) {
      base::StrAppend(&out, "  ", k, ": ", v.is_string() ? v.get<std::string>() : base::DumpJson(v),
                      "\n");
    }
  }
  return out;
}

bool AskOnTerminal(std::string_view name, const Json& arguments) {
  std::fprintf(stderr, "\n%s", DescribeToolCall(name, arguments).c_str());
  std::fprintf(stderr, "Run this tool? [y/n] ");
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes";
}

}  // namespace tracemill::agent
