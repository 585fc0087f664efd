// The body of POST /v1/chat/completions, checked: every field the server uses, with its
// type and range, so a bad request gets a 400 naming the parameter instead of reaching
// the model. Unknown fields are ignored, as OpenAI-compatible servers do.
#ifndef TRACEMILL_LIBS_SERVE_CHAT_REQUEST_H_
#define TRACEMILL_LIBS_SERVE_CHAT_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/base/json.h"

namespace tracemill::serve {

struct ChatRequest {
  std::string model;
  Json messages;  // an array of message objects, as sent (the chat template renders them)
  Json tools;     // an array of function tools, or null
  // "auto" (also when absent), "none", "required", or a function name to call.
  std::string tool_choice = "auto";
  std::string tool_choice_function;
  std::optional<double> temperature, top_p;
  std::optional<int64_t> top_k, seed, max_tokens;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;
  Json chat_template_kwargs;  // an object, or null
};

struct RequestError {
  int status = 400;
  std::string message;
  std::string param;  // the offending field, as OpenAI's error.param
  std::string code;   // e.g. "model_not_found", "context_length_exceeded"
};

// Parses and checks `body`. On failure, *error says why (what and where) and false is
// returned.
bool ParseChatRequest(std::string_view body, ChatRequest* out, RequestError* error);

}  // namespace tracemill::serve

#endif  // TRACEMILL_LIBS_SERVE_CHAT_REQUEST_H_
