// BFCL-style AST matching of a generated tool call's arguments against the reference
// call's, under the tool's JSON schema (the `function.parameters` object).
//
// A generated argument object matches when:
//  - every key the schema lists in `required` is present;
//  - every key it has is a property of the schema (an extra key is allowed only when the
//    schema declares it: an optional parameter), and its value has the property's type
//    ("integer" wants an integral JSON number written without a fraction, "number" any
//    number, "string", "boolean", "array" with `items` checked per element, "object" with
//    `properties` checked recursively, "null"; a list of types accepts any of them; no
//    `type` accepts anything);
//  - every key the reference gives is present with an equal value — unless it is optional
//    and the reference value equals the schema's `default`; a key the reference omits is
//    not compared (beyond its type);
//  - values are equal as BFCL compares them: strings after trimming whitespace and ASCII
//    case-folding, numbers by value (1 == 1.0), arrays element by element, objects key by
//    key, recursively with the same rules.
// BFCL also drops some punctuation from strings; this matcher does not, since tool
// arguments here are paths and URLs where "note-1" and "note1" are different files.
// Without a schema (the tool is not in the row's tool list), only value equality counts.
//
// Plain functions; thread-safe. Never throws.
#ifndef TRACEMILL_LIBS_EVAL_ARG_MATCH_H_
#define TRACEMILL_LIBS_EVAL_ARG_MATCH_H_

#include <string>
#include <string_view>

#include "libs/base/json.h"

namespace tracemill::eval {

struct ArgMatch {
  bool ok = false;
  std::string why;  // on a mismatch: the first difference, naming the key path
};

// `schema` may be null (no schema). `got` and `want` are parsed argument values.
ArgMatch MatchArguments(const Json* schema, const Json& got, const Json& want);

// Whether `value` has the JSON schema type `type` (a string or a list of strings).
bool MatchesSchemaType(const Json& type, const Json& value);

// The value equality above, with no schema.
bool ValuesMatch(const Json& got, const Json& want);

// Trims ASCII whitespace and lower-cases ASCII letters.
std::string NormalizeArgString(std::string_view s);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_ARG_MATCH_H_
