// Jinja lexer: splits a template into text and tag tokens.
//
// Follows jinja2 as transformers configures it for chat templates: trim_blocks and
// lstrip_blocks on, `{%-`/`-%}`/`{{-`/`-}}`/`{#-`/`-#}` strip whitespace, `{%+`/`+%}`
// disable lstrip/trim, `\r\n` and `\r` become `\n`, and one trailing newline of the
// source is dropped (keep_trailing_newline=False). Comments produce no tokens, and
// `{% raw %}…{% endraw %}` becomes one text token.
#ifndef TRACEMILL_LIBS_TEXT_JINJA_LEXER_H_
#define TRACEMILL_LIBS_TEXT_JINJA_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tracemill::text {

enum class TokenKind {
  kText,        // literal template text (already whitespace-controlled)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,        // identifier or keyword
  kString,      // string literal, unescaped
  kInt,
  kFloat,
  kOperator,  // punctuation such as "==", "(", "|", "~"
  kEnd,       // end of template
};

struct Token {
  TokenKind kind;
  std::string text;  // text, name, string value or operator
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

// Tokenizes `source`. Errors (unterminated tag or string, stray character) are
// InvalidArgument naming the line and column.
absl::StatusOr<std::vector<Token>> TokenizeJinja(std::string_view source);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_JINJA_LEXER_H_
