#include "libs/trace/redact.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "libs/base/json.h"
#include "libs/base/str_cat.h"

namespace tracemill::trace {
namespace {

constexpr std::string_view kOpenAiKey = "openai_key";
constexpr std::string_view kAnthropicKey = "anthropic_key";
constexpr std::string_view kHfToken = "hf_token";
constexpr std::string_view kAwsAccessKeyId = "aws_access_key_id";
constexpr std::string_view kAwsSecretAccessKey = "aws_secret_access_key";
constexpr std::string_view kBearerToken = "bearer_token";
constexpr std::string_view kGithubToken = "github_token";
constexpr std::string_view kSlackToken = "slack_token";
constexpr std::string_view kGoogleApiKey = "google_api_key";
constexpr std::string_view kPrivateKey = "private_key";
constexpr std::string_view kJwt = "jwt";
constexpr std::string_view kEmail = "email";
constexpr std::string_view kLiteral = "literal";

// Character classes, one bit each.
enum : uint16_t {
  kLower = 1 << 0,
  kUpper = 1 << 1,
  kDigit = 1 << 2,
  kUnderscore = 1 << 3,
  kHyphen = 1 << 4,
  kBearerPunct = 1 << 5,  // . ~ + / =
  kAwsPunct = 1 << 6,     // / + =
  kEmailPunct = 1 << 7,   // . _ % + -
  // A secret can start here when it is a token boundary.
  kTriggerAtBoundary = 1 << 8,
  // Checked anywhere: '-' (-----BEGIN), '_' (aws_secret_access_key), '@' (e-mail).
  kTriggerAnywhere = 1 << 9,
};
constexpr uint16_t kAlnum = kLower | kUpper | kDigit;
// Key characters and base64url; also what makes a position not a token boundary.
constexpr uint16_t kWord = kAlnum | kUnderscore | kHyphen;
// The spec's token68 class plus '_', which OAuth access tokens (e.g. Google's ya29.…)
// contain; stopping at '_' would leave the rest of such a token in the text.
constexpr uint16_t kBearerChar = kWord | kBearerPunct;
constexpr uint16_t kAwsSecretChar = kAlnum | kAwsPunct;
constexpr uint16_t kEmailLocalChar = kAlnum | kEmailPunct;
constexpr uint16_t kDomainChar = kAlnum | kHyphen;

struct CharTable {
  uint16_t bits[256] = {};
  constexpr CharTable() {
    for (int c = 'a'; c <= 'z'; ++c) bits[c] |= kLower;
    for (int c = 'A'; c <= 'Z'; ++c) bits[c] |= kUpper;
    for (int c = '0'; c <= '9'; ++c) bits[c] |= kDigit;
    bits[static_cast<unsigned char>('_')] |= kUnderscore | kEmailPunct;
    bits[static_cast<unsigned char>('-')] |= kHyphen | kEmailPunct;
    for (char c : {'.', '~', '+', '/', '='}) bits[static_cast<unsigned char>(c)] |= kBearerPunct;
    for (char c : {'/', '+', '='}) bits[static_cast<unsigned char>(c)] |= kAwsPunct;
    for (char c : {'.', '%', '+'}) bits[static_cast<unsigned char>(c)] |= kEmailPunct;
    for (char c : {'s', 'h', 'A', 'B', 'b', 'g', 'x', 'e'}) {
      bits[static_cast<unsigned char>(c)] |= kTriggerAtBoundary;
    }
    for (char c : {'-', '_', '@'}) bits[static_cast<unsigned char>(c)] |= kTriggerAnywhere;
  }
};
constexpr CharTable kTable;

inline bool Has(char c, uint16_t cls) {
  return (kTable.bits[static_cast<unsigned char>(c)] & cls) != 0;
}

// Length of the run of `cls` characters starting at `from`.
size_t Run(std::string_view t, size_t from, uint16_t cls) {
  size_t j = from;
  while (j < t.size() && Has(t[j], cls)) ++j;
  return j - from;
}

bool StartsAt(std::string_view t, size_t i, std::string_view prefix) {
  return t.size() - i >= prefix.size() && t.substr(i, prefix.size()) == prefix;
}

// How many of lower case, upper case and digits occur in `s`.
int ClassMix(std::string_view s) {
  uint16_t seen = 0;
  for (char c : s) seen |= kTable.bits[static_cast<unsigned char>(c)];
  return ((seen & kLower) != 0) + ((seen & kUpper) != 0) + ((seen & kDigit) != 0);
}

size_t LongestAlnumRun(std::string_view s) {
  size_t best = 0;
  size_t cur = 0;
  for (char c : s) {
    cur = Has(c, kAlnum) ? cur + 1 : 0;
    best = std::max(best, cur);
  }
  return best;
}

// A token may start at `i`: at the start, after a non-word character, or right after a
// JSON/C escape such as "\n" (tool-call arguments are JSON text).
bool AtBoundary(std::string_view t, size_t i) {
  if (i == 0) return true;
  char prev = t[i - 1];
  if (!Has(prev, kWord)) return true;
  return i >= 2 && t[i - 2] == '\\' &&
         (prev == 'n' || prev == 'r' || prev == 't' || prev == 'b' || prev == 'f');
}

bool MatchSk(std::string_view t, size_t i, SecretSpan* s) {
  if (!StartsAt(t, i, "sk-")) return false;
  bool anthropic = StartsAt(t, i, "sk-ant-");
  size_t end = i + 3 + Run(t, i + 3, kWord);
  std::string_view body = t.substr(i + (anthropic ? 7 : 3), end - i - (anthropic ? 7 : 3));
  if (body.size() < 20 || ClassMix(body) < 2 || LongestAlnumRun(body) < 10) return false;
  *s = {i, end, anthropic ? kAnthropicKey : kOpenAiKey};
  return true;
}

bool MatchHf(std::string_view t, size_t i, SecretSpan* s) {
  if (!StartsAt(t, i, "hf_")) return false;
  size_t len = Run(t, i + 3, kAlnum);
  if (len < 30 || ClassMix(t.substr(i + 3, len)) < 2) return false;
  *s = {i, i + 3 + len, kHfToken};
  return true;
}

bool MatchAwsKeyId(std::string_view t, size_t i, SecretSpan* s) {
  if (t.size() - i < 20) return false;
  std::string_view p = t.substr(i, 4);
  if (p != "AKIA" && p != "ASIA" && p != "AGPA" && p != "AIDA" && p != "AROA" && p != "ANPA" &&
      p != "ANVA" && p != "AIPA") {
    return false;
  }
  for (size_t k = i + 4; k < i + 20; ++k) {
    if (!Has(t[k], kUpper | kDigit)) return false;
  }
  if (i + 20 < t.size() && Has(t[i + 20], kWord)) return false;
  *s = {i, i + 20, kAwsAccessKeyId};
  return true;
}

bool MatchGoogleKey(std::string_view t, size_t i, SecretSpan* s) {
  if (!StartsAt(t, i, "AIza")) return false;
  if (Run(t, i + 4, kWord) != 35) return false;
  *s = {i, i + 39, kGoogleApiKey};
  return true;
}

bool EqualsLowered(std::string_view t, size_t i, std::string_view lower) {
  if (i > t.size() || t.size() - i < lower.size()) return false;
  for (size_t k = 0; k < lower.size(); ++k) {
    char c = t[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[k]) return false;
  }
  return true;
}

// aws_secret_access_key (any case, any prefix such as MY_), then '=' or ':' with
// optional quotes, escapes and spaces around it, then exactly 40 secret characters.
// Anchored on the first '_', which is rarer than 'a'.
bool MatchAwsSecret(std::string_view t, size_t underscore, SecretSpan* s) {
  constexpr std::string_view kRest = "_secret_access_key";
  if (underscore < 3 || !EqualsLowered(t, underscore - 3, "aws") ||
      !EqualsLowered(t, underscore, kRest)) {
    return false;
  }
  size_t j = underscore + kRest.size();
  auto skip = [&] {
    while (j < t.size() &&
           (t[j] == ' ' || t[j] == '\t' || t[j] == '"' || t[j] == '\'' || t[j] == '\\')) {
      ++j;
    }
  };
  skip();
  if (j >= t.size() || (t[j] != '=' && t[j] != ':')) return false;
  ++j;
  skip();
  if (Run(t, j, kAwsSecretChar) != 40) return false;
  *s = {j, j + 40, kAwsSecretAccessKey};
  return true;
}

bool MatchBearer(std::string_view t, size_t i, SecretSpan* s) {
  if (!StartsAt(t, i + 1, "earer ")) return false;
  size_t j = i + 7;
  while (j < t.size() && t[j] == ' ') ++j;
  size_t len = Run(t, j, kBearerChar);
  if (len < 16 || ClassMix(t.substr(j, len)) < 2) return false;
  *s = {j, j + len, kBearerToken};
  return true;
}

bool MatchGithub(std::string_view t, size_t i, SecretSpan* s) {
  if (StartsAt(t, i, "github_pat_")) {
    size_t len = Run(t, i + 11, kAlnum | kUnderscore);
    if (len < 22 || ClassMix(t.substr(i + 11, len)) < 2) return false;
    *s = {i, i + 11 + len, kGithubToken};
    return true;
  }
  if (t.size() - i < 4 || t[i + 1] != 'h' || t[i + 3] != '_') return false;
  char kind = t[i + 2];
  if (kind != 'p' && kind != 'o' && kind != 'u' && kind != 's' && kind != 'r') return false;
  size_t len = Run(t, i + 4, kAlnum);
  if (len < 36 || ClassMix(t.substr(i + 4, len)) < 2) return false;
  *s = {i, i + 4 + len, kGithubToken};
  return true;
}

bool MatchSlack(std::string_view t, size_t i, SecretSpan* s) {
  if (!StartsAt(t, i, "xox") || t.size() - i < 5 || t[i + 4] != '-') return false;
  char kind = t[i + 3];
  if (kind != 'a' && kind != 'b' && kind != 'p' && kind != 'r' && kind != 's') return false;
  size_t len = Run(t, i + 5, kAlnum | kHyphen);
  std::string_view body = t.substr(i + 5, len);
  if (len < 10 || body.find_first_of("0123456789") == std::string_view::npos) return false;
  *s = {i, i + 5 + len, kSlackToken};
  return true;
}

bool MatchJwt(std::string_view t, size_t i, SecretSpan* s) {
  if (!StartsAt(t, i, "eyJ")) return false;
  size_t j = i;
  for (int segment = 0; segment < 3; ++segment) {
    if (segment > 0) {
      if (j >= t.size() || t[j] != '.') return false;
      ++j;
    }
    size_t len = Run(t, j, kWord);
    if (len < 10) return false;
    j += len;
  }
  *s = {i, j, kJwt};
  return true;
}

bool MatchPrivateKey(std::string_view t, size_t i, SecretSpan* s) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kTail = "PRIVATE KEY-----";
  if (!StartsAt(t, i, kBegin)) return false;
  size_t label_begin = i + kBegin.size();
  size_t tail = t.substr(label_begin, 64 + kTail.size()).find(kTail);
  if (tail == std::string_view::npos) return false;
  std::string_view label = t.substr(label_begin, tail);
  for (char c : label) {
    if (!Has(c, kUpper | kDigit) && c != ' ') return false;
  }
  size_t header_end = label_begin + tail + kTail.size();
  std::string end_line = base::StrCat("-----END ", label, kTail);
  size_t end = t.find(end_line, header_end);
  if (end != std::string_view::npos) {
    *s = {i, end + end_line.size(), kPrivateKey};
    return true;
  }
  // No END line (e.g. the text was truncated): take the key body, headers included.
  size_t j = header_end;
  size_t last = header_end;
  while (j < t.size()) {
    char c = t[j];
    if (Has(c, kAlnum) || c == '+' || c == '/' || c == '=' || c == ':' || c == ',' || c == '-') {
      last = ++j;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++j;
    } else if (c == '\\' && j + 1 < t.size() &&
               (t[j + 1] == 'n' || t[j + 1] == 'r' || t[j + 1] == 't')) {
      j += 2;
    } else {
      break;
    }
  }
  *s = {i, last, kPrivateKey};
  return true;
}

bool IsAssetExtension(std::string_view tld) {
  std::string lower(tld);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (std::string_view ext :
       {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "css", "js"}) {
    if (lower == ext) return true;
  }
  return false;
}

// `at` is the '@'; the local part may reach back to `floor` (the end of the last hit).
bool MatchEmail(std::string_view t, size_t at, size_t floor, SecretSpan* s) {
  size_t b = at;
  while (b > floor && Has(t[b - 1], kEmailLocalChar)) --b;
  // "\njohn@..." in JSON text: the 'n' belongs to the escape.
  if (b < at && b >= 1 && t[b - 1] == '\\') ++b;
  while (b < at && t[b] == '.') ++b;
  if (b == at) return false;
  size_t j = at + 1;
  size_t labels = 0;
  size_t end = j;
  size_t tld_begin = j;
  while (true) {
    size_t len = Run(t, j, kDomainChar);
    if (len == 0) break;
    ++labels;
    tld_begin = j;
    end = j + len;
    if (end + 1 < t.size() && t[end] == '.') {
      j = end + 1;
    } else {
      break;
    }
  }
  if (labels < 2) return false;
  std::string_view tld = t.substr(tld_begin, end - tld_begin);
  if (tld.size() < 2 || Run(tld, 0, kLower | kUpper) != tld.size()) return false;
  if (IsAssetExtension(tld)) return false;
  *s = {b, end, kEmail};
  return true;
}

// Callers have checked the trigger class of t[i], and the boundary where it needs one.
bool MatchAt(std::string_view t, size_t i, size_t floor, bool emails, SecretSpan* s) {
  switch (t[i]) {
    case 'A':
      return MatchAwsKeyId(t, i, s) || MatchGoogleKey(t, i, s);
    case 's':
      return MatchSk(t, i, s);
    case 'h':
      return MatchHf(t, i, s);
    case 'B':
    case 'b':
      return MatchBearer(t, i, s);
    case 'g':
      return MatchGithub(t, i, s);
    case 'x':
      return MatchSlack(t, i, s);
    case 'e':
      return MatchJwt(t, i, s);
    case '_':
      return MatchAwsSecret(t, i, s);
    case '-':
      return MatchPrivateKey(t, i, s);
    case '@':
      return emails && MatchEmail(t, i, floor, s);
    default:
      return false;
  }
}

std::string Apply(std::string_view text, const std::vector<SecretSpan>& spans) {
  std::string out;
  out.reserve(text.size() + spans.size() * 16);
  size_t pos = 0;
  for (const SecretSpan& s : spans) {
    out.append(text.substr(pos, s.begin - pos));
    base::StrAppend(&out, "[REDACTED:", s.kind, "]");
    pos = s.end;
  }
  out.append(text.substr(pos));
  return out;
}

void Count(const std::vector<SecretSpan>& spans, RedactStats* stats) {
  if (stats == nullptr) return;
  for (const SecretSpan& s : spans) {
    ++stats->total;
    ++stats->by_kind[std::string(s.kind)];
  }
}

void MergeStats(const RedactStats& from, RedactStats* into) {
  if (into == nullptr) return;
  into->total += from.total;
  for (const auto& [kind, n] : from.by_kind) into->by_kind[kind] += n;
}

// "2 secrets (bearer_token, openai_key)": counts and kinds only, never the text.
std::string Describe(const RedactStats& stats) {
  std::string out = base::StrCat(stats.total, stats.total == 1 ? " secret (" : " secrets (");
  bool first = true;
  for (const auto& [kind, n] : stats.by_kind) {
    if (!first) out += ", ";
    first = false;
    out += kind;
  }
  out += ")";
  return out;
}

// Redacts every string value in `root` (object keys are kept). Iterative, so any depth is
// fine.
int RedactJson(const Redactor& redactor, Json* root, RedactStats* stats) {
  int n = 0;
  std::vector<Json*> pending = {root};
  while (!pending.empty()) {
    Json* value = pending.back();
    pending.pop_back();
    if (value->is_string()) {
      n += redactor.RedactText(&value->get_ref<std::string&>(), stats);
    } else if (value->is_structured()) {
      for (Json& item : *value) pending.push_back(&item);
    }
  }
  return n;
}

// Every string value of a tool definition except `function.name`, which calls refer to.
int RedactToolJson(const Redactor& redactor, Json* tool, RedactStats* stats) {
  if (!tool->is_object()) return RedactJson(redactor, tool, stats);
  int n = 0;
  for (auto it = tool->begin(); it != tool->end(); ++it) {
    if (it.key() != "function" || !it->is_object()) {
      n += RedactJson(redactor, &*it, stats);
      continue;
    }
    for (auto field = it->begin(); field != it->end(); ++field) {
      if (field.key() != "name") n += RedactJson(redactor, &*field, stats);
    }
  }
  return n;
}

int RedactArguments(const Redactor& redactor, std::string* arguments, RedactStats* stats) {
  std::vector<SecretSpan> spans = redactor.Find(*arguments);
  if (spans.empty()) return 0;
  std::string redacted = Apply(*arguments, spans);
  bool crosses_quote = std::any_of(spans.begin(), spans.end(), [&](const SecretSpan& s) {
    return std::string_view(*arguments).substr(s.begin, s.end - s.begin).find('"') !=
           std::string_view::npos;
  });
  if (crosses_quote || !base::ParseJson(redacted, "arguments").ok()) {
    // A hit crossed JSON syntax (e.g. a private key whose END line is in another field):
    // replacing it would drop or break the fields between, so redact the string values
    // one by one instead. Arguments ParseJson refuses (not JSON, or too deep to handle)
    // are redacted as text.
    absl::StatusOr<Json> parsed = base::ParseJson(*arguments, "arguments");
    if (parsed.ok()) {
      RedactStats local;
      int n = RedactJson(redactor, &*parsed, &local);
      if (n > 0) *arguments = base::DumpJson(*parsed);
      MergeStats(local, stats);
      return n;
    }
  }
  *arguments = std::move(redacted);
  Count(spans, stats);
  return static_cast<int>(spans.size());
}

}  // namespace

Redactor::Redactor(RedactOptions options) : options_(std::move(options)) {
  std::vector<std::string>& lits = options_.literals;
  lits.erase(std::remove_if(lits.begin(), lits.end(),
                            [](const std::string& l) { return l.size() < kMinLiteralLength; }),
             lits.end());
  std::sort(lits.begin(), lits.end());
  lits.erase(std::unique(lits.begin(), lits.end()), lits.end());
}

std::vector<SecretSpan> Redactor::Find(std::string_view text) const {
  std::vector<SecretSpan> spans;
  size_t last_end = 0;
  size_t i = 0;
  while (i < text.size()) {
    uint16_t bits = kTable.bits[static_cast<unsigned char>(text[i])];
    if ((bits & kTriggerAnywhere) == 0 &&
        ((bits & kTriggerAtBoundary) == 0 || !AtBoundary(text, i))) {
      ++i;
      continue;
    }
    SecretSpan s;
    if (MatchAt(text, i, last_end, options_.emails, &s)) {
      spans.push_back(s);
      last_end = s.end;
      i = s.end;
    } else {
      ++i;
    }
  }
  if (options_.literals.empty()) return spans;
  for (const std::string& literal : options_.literals) {
    for (size_t pos = text.find(literal); pos != std::string_view::npos;
         pos = text.find(literal, pos + literal.size())) {
      spans.push_back({pos, pos + literal.size(), kLiteral});
    }
  }
  std::sort(spans.begin(), spans.end(), [](const SecretSpan& a, const SecretSpan& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<SecretSpan> merged;
  for (const SecretSpan& s : spans) {
    if (!merged.empty() && s.begin < merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

int Redactor::RedactText(std::string* text, RedactStats* stats) const {
  std::vector<SecretSpan> spans = Find(*text);
  if (spans.empty()) return 0;
  *text = Apply(*text, spans);
  Count(spans, stats);
  return static_cast<int>(spans.size());
}

int Redactor::RedactTrace(Trace* trace, RedactStats* stats) const {
  int total = 0;
  for (size_t i = 0; i < trace->messages.size(); ++i) {
    Message& m = trace->messages[i];
    RedactStats local;
    int n = 0;
    if (m.content) n += RedactText(&*m.content, &local);
    n += RedactJson(*this, &m.content_parts, &local);
    if (m.reasoning_content) n += RedactText(&*m.reasoning_content, &local);
    for (ToolCall& call : m.tool_calls) {
      n += RedactArguments(*this, &call.arguments, &local);
      n += RedactJson(*this, &call.extra, &local);
      n += RedactJson(*this, &call.function_extra, &local);
    }
    n += RedactJson(*this, &m.extra, &local);
    if (n == 0) continue;
    trace->AddProvenance("redact", Describe(local), static_cast<int>(i));
    MergeStats(local, stats);
    total += n;
  }
  RedactStats local;
  int n = RedactText(&trace->endpoint, &local);
  n += RedactText(&trace->outcome.detail, &local);
  n += RedactJson(*this, &trace->extra, &local);
  n += RedactJson(*this, &trace->sampling, &local);
  for (ToolDef& tool : trace->tools) n += RedactToolJson(*this, &tool.json, &local);
  if (n > 0) {
    trace->AddProvenance("redact", base::StrCat(Describe(local), " in trace fields"), -1);
    MergeStats(local, stats);
    total += n;
  }
  return total;
}

}  // namespace tracemill::trace
