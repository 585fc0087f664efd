// JSON Schema validation for tool-call arguments.
//
// Checks a JSON value against the subset of JSON Schema that tool schemas use (MCP
// `inputSchema`, OpenAI `parameters`), drafts 4 to 2020-12 alike:
//
//   type (a name or a list; "integer" accepts whole-number floats such as 3.0, "number"
//   accepts integers), nullable (OpenAPI: true lets null through the whole schema),
//   enum, const, required, properties, patternProperties, additionalProperties (bool or
//   schema), minProperties/maxProperties, items (a schema, or a list as a tuple with
//   additionalItems), prefixItems (with items for the rest), contains, minItems/maxItems,
//   uniqueItems, minLength/maxLength (in Unicode code points), pattern, minimum/maximum,
//   exclusiveMinimum/exclusiveMaximum (draft-4 booleans and numbers), multipleOf, allOf,
//   anyOf, oneOf, not, if/then/else, $ref to "#" or any local JSON pointer ("#/$defs/X",
//   "#/definitions/X"), and the boolean schemas true and false.
//
// Equality (enum, const, uniqueItems) is JSON equality: numbers by value (1 == 1.0),
// objects regardless of key order.
//
// Everything else (format, $schema, title, description, default, examples, unknown
// keywords) is ignored. A malformed keyword (e.g. `"type": 5`, a negative or fractional
// `minLength`, a NaN `minimum`, an unresolvable or non-local `$ref`, an invalid `pattern`)
// is ignored too: the validator judges the value, not the schema, and never throws
// because of the schema (but see the work limit below). Counts beyond 2^64 (`"maxLength":
// 1e30`) are clamped, which no real value can tell apart. A $ref cycle that does not
// descend into the value is cut off (treated as satisfied). `pattern` and
// `patternProperties` use ECMAScript std::regex, skipped for strings over 4096 bytes
// (libstdc++'s matcher recurses per character).
//
// Work is bounded: one call evaluates at most kMaxSchemaWork keywords, counting each
// member of each schema object applied (through $ref, allOf/anyOf/oneOf/not/if and the
// value's members and items), each enum option, each uniqueItems item and each pattern
// match. Hostile schemas (e.g. anyOf nested through $ref, exponential in the nesting)
// exhaust it; the call then stops and returns exactly one violation, at "$": "schema too
// complex to check (gave up after 100000 keyword evaluations)".
//
// Thread-safe: compiled patterns live in a per-thread cache.
#ifndef TRACEMILL_LIBS_TRACE_JSON_SCHEMA_H_
#define TRACEMILL_LIBS_TRACE_JSON_SCHEMA_H_

#include <cstddef>
#include <string>
#include <vector>

#include "libs/base/json.h"

namespace tracemill::trace {

struct SchemaViolation {
  // Where in the value: "$" is the root, then ".name" for a property (or ["odd key"]
  // when the key is not a plain identifier) and "[2]" for an array item, e.g.
  // "$.options.depth", "$.items[2]".
  std::string path;
  // What is wrong, without the path, e.g. `expected string, got number`,
  // `missing required property "element"`, `"x" is not one of ["a","b"]`.
  std::string message;

  // "path: message".
  std::string ToString() const;
};

// The work limit of one ValidateJsonSchema call, in keyword evaluations (see above).
inline constexpr size_t kMaxSchemaWork = 100000;

// Validates `value` against `schema` and returns the violations found, at most
// `max_violations` of them (0 means no limit); empty means valid. When the work limit runs
// out, just the one "schema too complex to check" violation. Per schema the order is:
// type, $ref, enum, const, the keywords of the value's type (object members and array
// items in the value's order), then allOf/anyOf/oneOf/not/if.
std::vector<SchemaViolation> ValidateJsonSchema(const Json& schema, const Json& value,
                                                size_t max_violations = 20);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_JSON_SCHEMA_H_
