// Chat templates: Hugging Face `chat_template` strings rendered as transformers does.
//
//   TM_ASSIGN_OR_RETURN(auto tmpl, ChatTemplate::Compile(config["chat_template"]));
//   TM_ASSIGN_OR_RETURN(std::string prompt, tmpl.Render(context));
//
// `context` is a JSON object whose keys become template variables: typically
// `messages`, `tools`, `add_generation_prompt`, `enable_thinking`, `bos_token` and
// `eos_token`. Keys that are absent are undefined (falsy) in the template, as with
// transformers' apply_chat_template when the argument is not passed.
//
// Errors, at compile time (syntax) or render time (e.g. raise_exception, undefined
// attribute), are InvalidArgument with "template:LINE:COLUMN: message".
// A compiled ChatTemplate is immutable; Render is thread-safe.
#ifndef TRACEMILL_LIBS_TEXT_CHAT_TEMPLATE_H_
#define TRACEMILL_LIBS_TEXT_CHAT_TEMPLATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/base/json.h"

namespace tracemill::text {

struct ParsedTemplate;

class ChatTemplate {
 public:
  static absl::StatusOr<ChatTemplate> Compile(std::string_view source);

  // Renders with the variables of `context`, which must be a JSON object.
  absl::StatusOr<std::string> Render(const Json& context) const;

 private:
  explicit ChatTemplate(std::shared_ptr<const ParsedTemplate> parsed)
      : parsed_(std::move(parsed)) {}

  std::shared_ptr<const ParsedTemplate> parsed_;
};

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_CHAT_TEMPLATE_H_
