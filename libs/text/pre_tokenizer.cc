#include "libs/text/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "libs/base/str_cat.h"
#include "libs/text/unicode_classes.h"

namespace tracemill::text {

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Regex() { pcre2_code_free(code); }
};

namespace {

// Match state of one thread: match data, and a JIT stack large enough for long runs of
// whitespace under `\s+(?!\S)`.
struct ThreadMatchState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, nullptr);
  ThreadMatchState() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~ThreadMatchState() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

ThreadMatchState& MatchState() {
  thread_local ThreadMatchState state;
  return state;
}

size_t NextCodePointEnd(std::string_view text, size_t pos) {
  ++pos;
  while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  return pos;
}

}  // namespace

PreTokenizer::~PreTokenizer() = default;

absl::StatusOr<std::unique_ptr<PreTokenizer>> PreTokenizer::Create(
    const std::vector<std::string>& patterns, std::string_view where) {
  std::unique_ptr<PreTokenizer> pre(new PreTokenizer());
  for (size_t i = 0; i < patterns.size(); ++i) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    auto regex = std::make_unique<Regex>();
    // Compile as written first, so errors point into the file's pattern; then widened.
    pcre2_code* check =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(patterns[i].data()), patterns[i].size(),
                      PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (check != nullptr) {
      pcre2_code_free(check);
      const std::string widened = WidenUnicodeClasses(patterns[i]);
      regex->code =
          pcre2_compile(reinterpret_cast<PCRE2_SPTR>(widened.data()), widened.size(),
                        PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    }
    if (regex->code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof(message));
      return absl::InvalidArgumentError(
          base::StrCat(where, ": pre_tokenizer pattern ", i, " is not a valid regex at offset ",
                       static_cast<uint64_t>(offset), ": ", reinterpret_cast<char*>(message)));
    }
    regex->jit = pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE) == 0;
    pre->regexes_.push_back(std::move(regex));
  }
  return pre;
}

void PreTokenizer::Split(std::string_view text, std::vector<std::string_view>* pieces) const {
  if (text.empty()) return;
  if (regexes_.empty()) {
    pieces->push_back(text);
    return;
  }
  SplitOne(*regexes_[0], text, pieces);
  for (size_t r = 1; r < regexes_.size(); ++r) {
    std::vector<std::string_view> in;
    in.swap(*pieces);
    for (std::string_view piece : in) SplitOne(*regexes_[r], piece, pieces);
  }
}

void PreTokenizer::SplitOne(const Regex& regex, std::string_view text,
                            std::vector<std::string_view>* pieces) const {
  ThreadMatchState& state = MatchState();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t last = 0;
  size_t start = 0;
  while (start < text.size()) {
    int rc = regex.jit ? pcre2_jit_match(regex.code, subject, text.size(), start, 0, state.data,
                                         state.context)
                       : pcre2_match(regex.code, subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                                     state.data, state.context);
    if (rc < 0) break;  // no match (or a resource limit): the rest is one gap
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    size_t match_begin = ovector[0];
    size_t match_end = ovector[1];
    if (match_end == match_begin) {  // an empty match cuts nothing; step past it
      start = NextCodePointEnd(text, match_begin);
      continue;
    }
    if (match_begin > last) pieces->push_back(text.substr(last, match_begin - last));
    pieces->push_back(text.substr(match_begin, match_end - match_begin));
    last = start = match_end;
  }
  if (last < text.size()) pieces->push_back(text.substr(last));
}

}  // namespace tracemill::text
