#include "libs/text/chat_template.h"

#include <utility>

#include "absl/status/status.h"
#include "libs/base/status_macros.h"
#include "libs/text/jinja_eval.h"
#include "libs/text/jinja_lexer.h"
#include "libs/text/jinja_parser.h"
#include "libs/text/jinja_value.h"

namespace tracemill::text {

absl::StatusOr<ChatTemplate> ChatTemplate::Compile(std::string_view source) {
  TM_ASSIGN_OR_RETURN(std::vector<Token> tokens, TokenizeJinja(source));
  TM_ASSIGN_OR_RETURN(ParsedTemplate parsed, ParseJinja(tokens));
  return ChatTemplate(std::make_shared<const ParsedTemplate>(std::move(parsed)));
}

absl::StatusOr<std::string> ChatTemplate::Render(const Json& context) const {
  if (!context.is_object()) {
    return absl::InvalidArgumentError("chat template context must be a JSON object");
  }
  return RenderJinja(*parsed_, Value::FromJson(context));
}

}  // namespace tracemill::text
