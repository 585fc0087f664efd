// Helpers shared by the trace libraries' tests; include only from *_test.cc files.
#ifndef TRACEMILL_LIBS_TRACE_TEST_UTIL_H_
#define TRACEMILL_LIBS_TRACE_TEST_UTIL_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"
#include "libs/trace/trace.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {

// Parses a trace from JSON text; a parse error fails the test and gives an empty trace.
inline Trace ParseOrFail(std::string_view text) {
  absl::StatusOr<Trace> trace = ParseTraceText(text, "test.json");
  if (!trace.ok()) {
    ADD_FAILURE() << trace.status();
    return Trace{};
  }
  return *std::move(trace);
}

// A message of `role` with text content.
inline Message TextMessage(Role role, std::string text) {
  Message m;
  m.role = role;
  m.content = std::move(text);
  return m;
}

// Replaces every occurrence of each key in `tmpl` by its value ("$TOKEN" → a secret).
inline std::string Fill(std::string_view tmpl,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> vars) {
  std::string out(tmpl);
  for (const auto& [key, value] : vars) {
    for (size_t pos = out.find(key); pos != std::string::npos;
         pos = out.find(key, pos + value.size())) {
      out.replace(pos, key.size(), value);
    }
  }
  return out;
}

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_TEST_UTIL_H_
