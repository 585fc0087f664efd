// The parser of raw Hermes/Qwen3 model output into OpenAI-style message fields.
//
// Models served without a server-side tool parser return text such as
//
//   <think>\nI should look.\n</think>\n\nLet me check.\n<tool_call>\n
//   {"name": "read_file", "arguments": {"path": "a.txt"}}\n</tool_call>
//
// ParseHermes splits it into `content` (text outside think and tool-call blocks),
// `reasoning` (the think text) and `tool_calls`. HermesStreamParser does the same on a
// stream: whatever the chunking, its deltas concatenated equal ParseHermes of the whole.
//
// The parser never fails and never throws: what it had to repair or refuse is listed in
// `problems`, each starting "byte N: " (N is the offset of the tag or JSON concerned in
// the whole text). Work is linear in the input; invalid UTF-8 in text passes through.
//
// The rules:
//  - Content and reasoning are each made of segments (the text between two blocks).
//    Whitespace at a segment's edges is dropped; non-empty segments are joined by "\n\n".
//  - <think>...</think> is reasoning; tags inside it (<tool_call> included) are text. An
//    unclosed <think> makes the rest of the text reasoning. See HermesStart for text that
//    starts inside reasoning (a stray </think>).
//  - <tool_call>...</tool_call> holds one or more JSON objects {"name": ..., "arguments":
//    {...}} (also a JSON array of them, or Qwen3-Coder's
//    <function=NAME><parameter=KEY>VALUE</parameter></function>). "parameters" is a
//    synonym of "arguments"; arguments given as a JSON string holding an object are
//    decoded; absent or null arguments are "{}". Text around the objects is dropped (and
//    listed in problems). Braces, quotes and tags inside JSON strings are data.
//  - Broken JSON is repaired where possible (HermesOptions::repair, the default):
//    unclosed strings, brackets and braces are closed, an incomplete last member
//    dropped, trailing commas dropped, raw control characters in strings escaped. A
//    string holding a raw newline is taken as broken, so a </tool_call> after it ends
//    the block.
//  - A <tool_call> block without </tool_call> ends at the next <tool_call> or the end of
//    the text (generation cut off).
//  - A block that yields no call (no name, arguments not an object, JSON beyond repair)
//    is kept verbatim in content, tags included, so nothing is lost.
//  - Without repair (strict), a block that is cut off or broken yields no call, so a
//    call the model never finished is never taken for one: a block without
//    </tool_call>; JSON that needs any repair or is invalid (in the "arguments" string
//    too); a Qwen3-Coder function or parameter not closed, or a tag without '>'. Text
//    around the JSON, objects that are not calls, and arguments given as a JSON string
//    holding a valid object are handled as with repair. Blocks that parse cleanly give
//    the same calls in both modes.
//  - Qwen3-Coder parameter values lose one leading and one trailing newline; a value that
//    is a JSON number, literal, object or array becomes that value, any other a string
//    (there is no tool schema here to say which type was meant).
#ifndef TRACEMILL_LIBS_LLM_HERMES_H_
#define TRACEMILL_LIBS_LLM_HERMES_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill::llm {

struct HermesToolCall {
  int index = 0;  // position among the turn's calls, from 0
  std::string name;
  std::string arguments;  // compact JSON object text, keys in generated order

  friend bool operator==(const HermesToolCall&, const HermesToolCall&) = default;
};

struct HermesOutput {
  std::string content;
  std::string reasoning;
  std::vector<HermesToolCall> tool_calls;
  std::vector<std::string> problems;  // "byte N: what was repaired or refused"

  friend bool operator==(const HermesOutput&, const HermesOutput&) = default;
};

// Where the generated text starts.
enum class HermesStart {
  // In content, unless the first tag of the text is </think>: then the text before it is
  // reasoning (the prompt opened <think>). A stream holds back the text before its first
  // tag until that tag (or the end) arrives; use kContent or kReasoning to stream at once.
  kDetect,
  // In content; a stray </think> is content (and a problem).
  kContent,
  // In reasoning, as after "<think>\n" in the prompt (Qwen3 thinking mode). A leading
  // <think> is still accepted.
  kReasoning,
};

struct HermesOptions {
  HermesStart start = HermesStart::kDetect;
  // Repair broken or cut-off tool calls (see the rules above). Set it to false wherever
  // a call is executed or scored: a call cut off at max_tokens then stays content, and
  // a problem says why.
  bool repair = true;
};

HermesOutput ParseHermes(std::string_view text, const HermesOptions& options = {});

// What one Feed or Finish adds. Text never ends inside a UTF-8 sequence it could still
// complete (those bytes come with the next delta), so valid UTF-8 input gives valid
// UTF-8 deltas.
struct HermesDelta {
  std::string content;
  std::string reasoning;
  std::vector<HermesToolCall> tool_calls;  // calls completed by this delta
  std::vector<std::string> problems;

  bool empty() const {
    return content.empty() && reasoning.empty() && tool_calls.empty() && problems.empty();
  }
};

// Appends `delta` to `out`: the deltas of a stream appended in order give ParseHermes.
void AppendHermesDelta(HermesDelta delta, HermesOutput* out);

// Incremental ParseHermes. Text is emitted as soon as it cannot begin a tag and is not
// whitespace that trimming may drop; a tool call when its </tool_call> (or, at Finish,
// the end) is seen. Not thread-safe: one parser per stream.
class HermesStreamParser {
 public:
  explicit HermesStreamParser(HermesOptions options = {});
  ~HermesStreamParser();
  HermesStreamParser(HermesStreamParser&&) noexcept;
  HermesStreamParser& operator=(HermesStreamParser&&) noexcept;

  // The next bytes of the text; chunks may split tags, JSON and UTF-8 anywhere.
  HermesDelta Feed(std::string_view chunk);
  // Ends the text: flushes what was held and closes unclosed blocks. Later calls to Feed
  // or Finish return empty deltas.
  HermesDelta Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tracemill::llm

#endif  // TRACEMILL_LIBS_LLM_HERMES_H_
