// JSON helpers over nlohmann::ordered_json.
//
// tracemill keeps object keys in the order they arrived: tool schemas are rendered into
// prompts with `tojson`, and the model saw them in their original order. Canonical
// (key-sorted) text is available separately for hashing.
#ifndef TRACEMILL_LIBS_BASE_JSON_H_
#define TRACEMILL_LIBS_BASE_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/base/utf8.h"
#include "nlohmann/json.hpp"

namespace tracemill {

using Json = nlohmann::ordered_json;

namespace base {

// Parses `text` as one JSON value (simdjson; nlohmann only when simdjson refuses, to
// locate the error or to read integers wider than 64 bits as doubles). On failure the
// message names `where` (e.g. "traces/a.jsonl:12") with the line, column and reason,
// never the input bytes. Invalid UTF-8 inside strings is an error, and so is nesting
// deeper than 1024 levels (recursive consumers would overflow the stack).
absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view where);

// Compact JSON text, byte-identical to nlohmann's dump() but several times faster on
// string-heavy values (traces are mostly text). Never throws: invalid UTF-8 (which
// ParseJson never produces) is replaced by U+FFFD.
std::string DumpJson(const Json& value);
// Appends the compact JSON text of `value` to `out`.
void AppendJson(std::string* out, const Json& value);
// Appends `text` as a JSON string literal (quotes included), escaped as DumpJson does.
void AppendJsonString(std::string* out, std::string_view text);

// Indented JSON text (`indent` spaces), as the reference agent writes its trace files.
std::string DumpJsonPretty(const Json& value, int indent = 2);

// Compact JSON text with object keys sorted at every level: equal values give equal text
// whatever their key order. Used for content hashes.
std::string CanonicalJson(const Json& value);

// A short name of the JSON type ("string", "object", ...) for error messages.
const char* JsonTypeName(const Json& value);

}  // namespace base
}  // namespace tracemill

#endif  // TRACEMILL_LIBS_BASE_JSON_H_
