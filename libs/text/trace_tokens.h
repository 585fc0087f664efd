// Binds a model's ChatFormat to the token-aware parts of curation (libs/trace sees only
// the TokenCounter / count function, so it does not depend on the tokenizer).
//
//   TM_ASSIGN_OR_RETURN(auto format, ChatFormat::FromDirectory(model_dir));
//   BindTokenRules(format, &curate_options);   // shares ownership of `format`
#ifndef TRACEMILL_LIBS_TEXT_TRACE_TOKENS_H_
#define TRACEMILL_LIBS_TEXT_TRACE_TOKENS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/text/chat_format.h"
#include "libs/trace/curate_options.h"
#include "libs/trace/edits.h"
#include "libs/trace/trace.h"

namespace tracemill::text {

// The trace as a full dataset row: {"messages": [...], "tools": [...]} in the published
// message shape (what the trainer reads back), tools parsed.
Json TraceAsRow(const trace::Trace& trace);

// Tokens of the trace rendered as one full row with the model's template.
absl::StatusOr<size_t> CountTraceTokens(const ChatFormat& format, const trace::Trace& trace);

// count: Encode(text).size(); prefix_bytes: the bytes of the first n tokens, backed off
// to a character boundary (exact for text the tokenizer does not normalize; otherwise
// the longest code-point prefix of at most n tokens).
trace::TokenCounter MakeTokenCounter(std::shared_ptr<const ChatFormat> format);

// Sets options->tokens and options->count_trace_tokens from `format`.
void BindTokenRules(std::shared_ptr<const ChatFormat> format, trace::CurateOptions* options);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_TRACE_TOKENS_H_
