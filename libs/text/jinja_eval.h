// Jinja interpreter: renders a parsed template.
//
// Semantics follow Python jinja2 in transformers' sandboxed environment: Python str()
// for output, Python truthiness and arithmetic, Undefined that renders as "" but fails
// on attribute access and arithmetic, and the filters, tests and string/dict methods
// that chat templates use. Globals provided by the interpreter: range, namespace, dict,
// raise_exception and strftime_now. Not supported: `%` string formatting, str.format,
// macro varargs/kwargs, include/extends/import, recursive loops, and mutating methods
// (the sandbox is immutable, as in transformers).
//
// Runtime errors are InvalidArgument naming the line and column of the failing
// expression. Loop iterations (1M), macro recursion (32), run-time nesting (200),
// values nested in namespaces (64 levels), built strings and lists
// (16 MiB each, 1 GiB in all) and output (256 MiB) are bounded, so no input makes it
// crash or run away.
#ifndef TRACEMILL_LIBS_TEXT_JINJA_EVAL_H_
#define TRACEMILL_LIBS_TEXT_JINJA_EVAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "libs/text/jinja_parser.h"
#include "libs/text/jinja_value.h"

namespace tracemill::text {

// Renders `tmpl` with the variables of `globals` (a dict Value) visible to it.
// Thread-safe for concurrent renders of the same template.
absl::StatusOr<std::string> RenderJinja(const ParsedTemplate& tmpl, const Value& globals);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_JINJA_EVAL_H_
