// ChatFormat: a model's tokenizer and chat template together — what training, serving
// and token-aware curation all render conversations with, so the three see the same ids.
//
//   TM_ASSIGN_OR_RETURN(auto format, ChatFormat::FromDirectory("models/qwen3-tiny"));
//   TM_ASSIGN_OR_RETURN(TokenizedChat chat, format->Tokenize(messages, tools, target_from));
//   // chat.input_ids, chat.target[i] == 1 where the loss applies
//
// Loss masks are derived by rendering, because real templates (Qwen3 among them) have no
// `{% generation %}` markers and are not prefix-preserving. For each target assistant
// message i (role assistant, index >= target_from):
//   P = render(messages[0..i), add_generation_prompt=true)
//   A = render(messages[0..i], add_generation_prompt=false)
// A must start with P; the message's rendered text is A after P — its <think> block,
// tool-call blocks and end-of-turn token — cut after the last end-of-turn token (the
// newline Qwen3 writes after <|im_end|> is not the model's to produce). That text is
// then found in the full rendering, in order, and every token overlapping it is a
// target. A target message whose text is empty or that the full rendering does not
// contain (a template that renders a turn differently once later turns follow: Qwen3
// drops the reasoning of turns before the last user message) is an InvalidArgument
// naming it — or, with TokenizeOptions::skip_unmatched_targets, left out of the targets
// and listed in TokenizedChat::skipped_messages (what the trainer does: the turn is
// still in the context, just not trained on).
//
// Thread-safety: immutable after creation; concurrent const use is safe.
#ifndef TRACEMILL_LIBS_TEXT_CHAT_FORMAT_H_
#define TRACEMILL_LIBS_TEXT_CHAT_FORMAT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/text/chat_template.h"
#include "libs/text/tokenizer.h"

namespace tracemill::text {

struct TokenizedChat {
  std::string text;                // the full rendering, as the tokenizer saw it (NFC)
  std::vector<int32_t> input_ids;  // Encode(text): the ids serving would see
  std::vector<uint8_t> target;     // 1 where the token belongs to a target message
  // Byte ranges [begin, end) of `text` of each target message, in message order, and
  // the message index each came from.
  std::vector<std::pair<size_t, size_t>> spans;
  std::vector<int> span_messages;
  // Target messages left out (skip_unmatched_targets) because the full rendering does not
  // contain their text.
  std::vector<int> skipped_messages;
  size_t target_tokens = 0;
};

struct TokenizeOptions {
  Json extra;  // more template variables (an object), e.g. {"enable_thinking": false}
  bool skip_unmatched_targets = false;
};

class ChatFormat {
 public:
  // Reads DIR/tokenizer.json and DIR/tokenizer_config.json (chat_template as a string,
  // or a list of {name, template} with a "default"; else DIR/chat_template.jinja) and
  // the special tokens (bos_token, eos_token, ... as strings or {"content": ...}).
  static absl::StatusOr<std::unique_ptr<ChatFormat>> FromDirectory(const std::string& dir);
  // From parts: `config` is the parsed tokenizer_config.json (for special tokens and,
  // when `template_source` is empty, the template); `where` names it in errors.
  static absl::StatusOr<std::unique_ptr<ChatFormat>> Create(std::unique_ptr<Tokenizer> tokenizer,
                                                           const Json& config,
                                                           std::string template_source,
                                                           std::string_view where);

  // Renders `messages` (OpenAI chat messages) with `tools` (an array of OpenAI tools; null
  // or empty: none) as apply_chat_template does. `extra` (an object, or null) adds
  // template variables such as enable_thinking.
  absl::StatusOr<std::string> Render(const Json& messages, const Json& tools,
                                     bool add_generation_prompt,
                                     const Json& extra = Json()) const;

  // Renders and tokenizes a training row; assistant messages at index >= target_from are
  // the targets (a per-turn row sets it to its final message). A row with no target
  // message is an error.
  absl::StatusOr<TokenizedChat> Tokenize(const Json& messages, const Json& tools, int target_from,
                                         const TokenizeOptions& options = {}) const;

  // Counts the tokens of the full rendering (no masks): what --max-tokens checks.
  absl::StatusOr<size_t> CountTokens(const Json& messages, const Json& tools,
                                     const Json& extra = Json()) const;

  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // The strings that end an assistant turn: eos_token and the end-of-turn tokens of
  // known families present in the vocabulary (<|im_end|>, <|eot_id|>, <end_of_turn>).
  const std::vector<std::string>& end_of_turn() const { return end_of_turn_; }

 private:
  ChatFormat(std::unique_ptr<Tokenizer> tokenizer, ChatTemplate tmpl, Json special_tokens)
      : tokenizer_(std::move(tokenizer)),
        template_(std::move(tmpl)),
        special_tokens_(std::move(special_tokens)) {}
  Json Context(const Json& messages, const Json& tools, bool add_generation_prompt,
               const Json& extra) const;
  absl::StatusOr<std::string> TargetText(const Json& messages, size_t index, const Json& tools,
                                         const Json& extra) const;

  std::unique_ptr<Tokenizer> tokenizer_;
  ChatTemplate template_;
  Json special_tokens_;  // {"bos_token": "...", ...}: passed to every render
  std::vector<std::string> end_of_turn_;
};

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_CHAT_FORMAT_H_
