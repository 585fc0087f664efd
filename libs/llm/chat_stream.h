// Rebuilds one assistant message from streamed chat-completion chunks (the `data:`
// payloads of an OpenAI-style SSE stream), as spec-digest §2.3 describes: content and
// reasoning appended; tool-call fragments grouped by `index`, a new non-empty `id` on a
// used index starting a new call (servers that reuse index 0); the finish reason and the
// usage of the final chunk kept. Malformed chunks are reported, never fatal: what was
// already assembled stays.
//
//   ChatStreamAssembler a;
//   for (each SSE event e) if (e.data != "[DONE]") a.AddChunk(e.data);
//   trace::Message m = a.message();
#ifndef TRACEMILL_LIBS_LLM_CHAT_STREAM_H_
#define TRACEMILL_LIBS_LLM_CHAT_STREAM_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "libs/trace/trace.h"

namespace tracemill::llm {

class ChatStreamAssembler {
 public:
  // One chunk's JSON text. InvalidArgument (naming the chunk number) for a chunk that is
  // not JSON or has the wrong shape; the message so far is kept either way.
  absl::Status AddChunk(std::string_view json_text);

  // The assistant message so far (content null if none arrived).
  trace::Message message() const;
  const std::string& finish_reason() const { return finish_reason_; }
  const trace::Usage& usage() const { return usage_; }
  bool has_usage() const { return has_usage_; }
  int chunks() const { return chunks_; }

 private:
  struct Call {
    int index = 0;
    std::string id, type = "function", name, arguments;
  };
  int chunks_ = 0;
  bool has_content_ = false, has_reasoning_ = false, has_usage_ = false;
  std::string content_, reasoning_, finish_reason_;
  std::vector<Call> calls_;
  trace::Usage usage_;
};

// Reads `usage` {prompt_tokens, completion_tokens, total_tokens} into `out`.
void ReadUsage(const Json& usage, trace::Usage* out);

}  // namespace tracemill::llm

#endif  // TRACEMILL_LIBS_LLM_CHAT_STREAM_H_
