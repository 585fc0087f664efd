// Structural curation edits on a Trace: dropping guidance prompts, deleting messages and
// user turns, merging consecutive user messages, truncating tool results.
//
// Every edit is deterministic and records one Provenance entry per change on the trace
// (op name, a human-readable detail, message_index), so a reviewer sees what changed.
// message_index is the index of the message at the moment of that change. Edits that
// change several places in one call record their entries back to front (highest index
// first), so each message_index is also the index in the trace the call was given.
// Functions that return `int` return the number of changes, i.e. of entries recorded.
//
// The functions are free of shared state: any number may run concurrently on different
// traces; a Trace itself is not thread-safe.
#ifndef TRACEMILL_LIBS_TRACE_EDITS_H_
#define TRACEMILL_LIBS_TRACE_EDITS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "libs/trace/trace.h"

namespace tracemill::trace {

// Removes messages marked `guidance == true` (any role), and system, developer and user
// messages whose text (Message::Text(), so content parts count too) equals one of
// `exact_texts`, exactly or once trailing whitespace is ignored on both sides. Empty (or
// all-whitespace) entries of `exact_texts` match nothing. Removing an assistant message
// with tool calls also removes the tool messages answering them. op "drop_guidance".
int DropGuidance(Trace* trace, const std::vector<std::string>& exact_texts);

// Deletes, in one step, the messages named by `message_indices` and the user turns named
// by `user_turns` (0-based among user messages), all referring to positions in `trace` as
// it is now. The union of everything named is erased at once, so overlapping or repeated
// references are fine and order does not matter. A user turn is its user message and
// everything after it up to, not including, the next user message. A deleted assistant
// message takes the tool messages answering its calls along (those directly after it, and
// any later one before the next assistant message whose tool_call_id names one of its
// calls). Errors, all InvalidArgument naming the trace id and the index or turn, the first
// bad reference reported (message_indices before user_turns), and nothing deleted:
//  - an index or turn out of range;
//  - a tool message: deleting it alone would leave its call unanswered; the message says
//    which assistant message to delete instead.
// Records one provenance entry per reference, repeated ones included: op "delete_message"
// or "delete_user_turn", message_index = the input position (of the turn's user message
// for a turn). Entries are recorded back to front by message_index; at equal index,
// messages before turns, each in the order given.
absl::Status DeleteMessages(Trace* trace, const std::vector<int>& message_indices,
                            const std::vector<int>& user_turns);

// DeleteMessages(trace, {index}, {}).
absl::Status DeleteMessage(Trace* trace, int index);

// DeleteMessages(trace, {}, {turn}).
absl::Status DeleteUserTurn(Trace* trace, int turn);

// Merges each run of consecutive user messages into its first message, joining their text
// with `separator`. Text content parts are joined as text; the merged message has string
// content unless a run holds non-text parts (images...), which are then kept in order in
// a content-parts array. Messages with no content add no separator. The merged message
// keeps the first message's name and extra fields. Guidance-marked messages are never
// merged (so DropGuidance can still remove them). op "merge_user_turns", one entry per run.
int MergeConsecutiveUserTurns(Trace* trace, std::string_view separator = "\n\n");

// Removes the reasoning of assistant messages: `reasoning_content`, a `reasoning` key
// some servers add (kept in `extra`), and a <think>…</think> block at the start of string
// content (with the whitespace after it), for a student that should answer without
// thinking out loud. op "drop_reasoning", one entry per message changed.
int DropReasoning(Trace* trace);

// Truncates tool-result text longer than `max_chars` Unicode code points (Python `len`,
// as the reference agent counted) to its first `max_chars` code points followed by the
// reference agent's marker "\n[Content truncated to N characters]", N = max_chars.
// A UTF-8 sequence is never split. Text that already ends with a marker (of any N) is
// left alone when the text before the marker is within `max_chars`, so running twice
// changes nothing more than running once; otherwise the text before the old marker is
// cut and the marker replaced. With content parts, the text parts share the budget: the
// part where it runs out is cut and takes the marker, later text parts are removed and
// non-text parts kept. `max_chars == 0` disables truncation (returns 0).
// op "truncate_tool_result", one entry per message.
int TruncateToolResults(Trace* trace, size_t max_chars);

// The reference agent's truncation marker for `max_chars`.
std::string TruncationMarker(size_t max_chars);

// A model's tokenizer, as token-aware edits see it (the CLI binds it to libs/text, which
// libs/trace does not depend on).
struct TokenCounter {
  // The number of tokens of a text.
  std::function<size_t(std::string_view)> count;
  // The byte length of the first `n` tokens of a text, never splitting a UTF-8 sequence.
  std::function<size_t(std::string_view, size_t)> prefix_bytes;
};

// TruncateToolResults counted in the model's tokens: tool-result text over `max_tokens`
// tokens keeps its first `max_tokens` tokens (backed off to a character boundary) and
// gets the marker "\n[Content truncated to N tokens]". Same rules for content parts,
// idempotence and provenance (op "truncate_tool_result", "... to N tokens").
int TruncateToolResultsToTokens(Trace* trace, size_t max_tokens, const TokenCounter& tokens);
std::string TokenTruncationMarker(size_t max_tokens);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_EDITS_H_
