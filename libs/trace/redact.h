// Secret redaction for traces: API keys, tokens, private keys, optionally e-mail
// addresses, and caller-given literal strings are replaced by "[REDACTED:<kind>]".
//
// The scanners are hand-written (no regex): one pass over the bytes stops at the few
// characters a secret can start with, then checks prefix, character class, length and
// token boundaries (about 300 MB/s per core on mixed text, -O2). A candidate must start
// at a token boundary (not after a letter, digit, '_' or '-'; a JSON escape such as "\n"
// counts as a boundary), so "task-list" or "skeleton" is not a hit. Free-form kinds
// (sk-, hf_, gh?_, github_pat_, Bearer) also need some randomness, at least two of lower
// case, upper case and digits, and sk- keys an alphanumeric run of >= 10, so that long
// hyphenated words are not taken for keys.
//
// Kinds:
//   openai_key             sk-… (sk-proj-…, sk-svcacct-…), >= 20 chars of [A-Za-z0-9_-]
//   anthropic_key          sk-ant-…, same shape
//   hf_token               hf_ + >= 30 [A-Za-z0-9]
//   aws_access_key_id      (AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA) + 16 [A-Z0-9], and
//                          no word character after it
//   aws_secret_access_key  40 [A-Za-z0-9/+=] after aws_secret_access_key (any case) and
//                          '=' or ':' (quotes and spaces allowed around it)
//   bearer_token           the >= 16 [A-Za-z0-9._~+/=_-] token after "Bearer " / "bearer "
//                          (the word Bearer is kept; '_' is accepted because OAuth access
//                          tokens such as Google's ya29.… contain it)
//   github_token           gh[pousr]_ + >= 36 [A-Za-z0-9]; github_pat_ + >= 22 [A-Za-z0-9_]
//   slack_token            xox[abprs]- + >= 10 [A-Za-z0-9-] with a digit
//   google_api_key         AIza + exactly 35 [A-Za-z0-9_-]
//   private_key            "-----BEGIN … PRIVATE KEY-----" through the matching END line
//                          (through the end of the key body when the END line is missing,
//                          e.g. in a truncated tool result)
//   jwt                    eyJ… three base64url segments joined by '.', each >= 10 chars
//   email                  local@domain.tld, TLD letters only and not an image/asset
//                          extension ("logo@2x.png"); only with RedactOptions::emails
//   literal                each of RedactOptions::literals (>= 8 bytes) wherever it appears
// Overlapping hits are merged into one redaction, named after the one that starts first
// (the longer one when both start at the same byte).
#ifndef TRACEMILL_LIBS_TRACE_REDACT_H_
#define TRACEMILL_LIBS_TRACE_REDACT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "libs/trace/trace.h"

namespace tracemill::trace {

struct RedactOptions {
  bool emails = false;
  // Exact strings to scrub wherever they appear, e.g. the API key the collector used.
  // Entries shorter than kMinLiteralLength bytes are ignored (they would hit ordinary
  // text).
  std::vector<std::string> literals;
};

inline constexpr size_t kMinLiteralLength = 8;

struct RedactStats {
  int64_t total = 0;
  std::map<std::string, int64_t> by_kind;
};

// One secret found in a text: bytes [begin, end) and its kind ("openai_key", ...).
struct SecretSpan {
  size_t begin = 0;
  size_t end = 0;
  std::string_view kind;  // static storage
};

// Thread-safe: const methods may be called concurrently.
class Redactor {
 public:
  explicit Redactor(RedactOptions options);

  // The secrets in `text`, in order, non-overlapping.
  std::vector<SecretSpan> Find(std::string_view text) const;

  // Replaces each secret in `text` with "[REDACTED:<kind>]"; returns the count and adds
  // it to `stats` (may be null). Running it again on its output finds nothing.
  int RedactText(std::string* text, RedactStats* stats) const;

  // Redacts every text field of a trace, that is the string values of:
  //  - each message: content; content_parts (every part: text, image URLs, ...);
  //    reasoning_content; each tool call's arguments, `extra` and `function_extra`; `extra`;
  //  - the trace: endpoint, outcome.detail, `extra`, `sampling`, and each tool's
  //    definition (tools[].json) except its function.name.
  // Nothing else: not identifiers (trace, run, task and call ids, tool_call_ids, roles,
  // call types, and tool, call and participant names, by which calls and results are
  // matched), model, timestamps, timings, usage, outcome status and reward, provenance,
  // nor object keys. JSON stays valid: Json values are redacted string by string, and
  // tool-call arguments that base::ParseJson accepts stay valid JSON (should a hit span
  // JSON syntax, their string values are redacted one by one and the JSON re-serialised);
  // other arguments (not JSON, or nested too deeply) are redacted as text. Records one
  // provenance entry per message changed (op "redact", detail "2 secrets (bearer_token,
  // openai_key)", never the secret) and one with message_index -1 for trace-level fields.
  // Returns the count.
  int RedactTrace(Trace* trace, RedactStats* stats) const;

 private:
  RedactOptions options_;
};

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_REDACT_H_
