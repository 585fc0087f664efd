#include "libs/trace/dedupe.h"

#include <cstring>
#include <string>
#include <unordered_map>

#include "libs/base/json.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {

// Bumped whenever the canonical form changes, so old and new hashes never compare equal.
constexpr std::string_view kFormatTag = "tracemill.content.v1\n";

class IdOrdinals {
 public:
  int64_t Get(const std::string& id) {
    auto [it, inserted] = ordinals_.try_emplace(id, static_cast<int64_t>(ordinals_.size()));
    return it->second;
  }

 private:
  std::unordered_map<std::string, int64_t> ordinals_;
};

// Arguments that ParseJson refuses (not JSON, or nested deeper than it allows) are hashed
// verbatim.
std::string CanonicalArguments(const std::string& arguments) {
  absl::StatusOr<Json> parsed = base::ParseJson(arguments, "arguments");
  if (!parsed.ok()) return arguments;
  return base::CanonicalJson(*parsed);
}

}  // namespace

base::Sha256::Digest ContentHash(const Trace& trace) {
  IdOrdinals ids;
  base::Sha256 sha;
  sha.Update(kFormatTag);
  // One canonical JSON line per message, then per tool: JSON text has no raw newline,
  // so the framing is unambiguous.
  sha.Update("messages\n");
  for (const Message& m : trace.messages) {
    Json json = MessageToJson(m, /*with_marks=*/false);
    if (!m.tool_calls.empty()) {
      Json& calls = json["tool_calls"];
      for (size_t k = 0; k < m.tool_calls.size(); ++k) {
        calls[k]["id"] = ids.Get(m.tool_calls[k].id);
        calls[k]["function"]["arguments"] = CanonicalArguments(m.tool_calls[k].arguments);
      }
    }
    if (json.contains("tool_call_id")) json["tool_call_id"] = ids.Get(m.tool_call_id);
    sha.Update(base::CanonicalJson(json));
    sha.Update("\n");
  }
  sha.Update("tools\n");
  for (const ToolDef& tool : trace.tools) {
    sha.Update(base::CanonicalJson(tool.json));
    sha.Update("\n");
  }
  return sha.Finish();
}

bool Deduper::Insert(const Trace& trace) { return InsertHash(ContentHash(trace)); }

bool Deduper::InsertHash(const base::Sha256::Digest& digest) {
  Key key;
  std::memcpy(&key.a, digest.data(), 8);
  std::memcpy(&key.b, digest.data() + 8, 8);
  bool inserted = InsertKey(key);
  if (inserted) {
    ++unique_;
  } else {
    ++duplicates_;
  }
  return inserted;
}

void Deduper::Reserve(size_t n) {
  size_t capacity = 16;
  while (capacity * 3 / 4 < n) capacity *= 2;
  if (capacity > slots_.size()) Rehash(capacity);
}

bool Deduper::InsertKey(const Key& key) {
  if (key == Key{}) {
    if (has_zero_key_) return false;
    has_zero_key_ = true;
    return true;
  }
  // Keep the load at most 3/4.
  if ((static_cast<size_t>(unique_) + 1) * 4 > slots_.size() * 3) {
    Rehash(slots_.empty() ? 16 : slots_.size() * 2);
  }
  // The digest bytes are uniformly distributed, so they index the table directly.
  size_t mask = slots_.size() - 1;
  for (size_t i = key.a & mask;; i = (i + 1) & mask) {
    if (slots_[i] == key) return false;
    if (slots_[i] == Key{}) {
      slots_[i] = key;
      return true;
    }
  }
}

void Deduper::Rehash(size_t capacity) {
  std::vector<Key> old = std::move(slots_);
  slots_.assign(capacity, Key{});
  size_t mask = capacity - 1;
  for (const Key& key : old) {
    if (key == Key{}) continue;
    size_t i = key.a & mask;
    while (!(slots_[i] == Key{})) i = (i + 1) & mask;
    slots_[i] = key;
  }
}

}  // namespace tracemill::trace
