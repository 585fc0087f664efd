#include "libs/text/tokenizer.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/base/utf8.h"
#include "libs/text/added_vocabulary.h"
#include "libs/text/bpe_model.h"
#include "libs/text/byte_level.h"
#include "libs/text/normalizer.h"
#include "libs/text/pre_tokenizer.h"

namespace tracemill::text {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Reads one tokenizer.json, turning every unusable field into InvalidArgument that
// names the file and the field.
class ConfigReader {
 public:
  explicit ConfigReader(std::string_view where) : where_(where) {}

  absl::Status Error(std::string_view field, std::string_view message) const {
    return absl::InvalidArgumentError(base::StrCat(where_, ": ", field, ": ", message));
  }

  // The member `key` of object `obj`, or nullopt-like false if absent or null.
  static bool Member(element obj, std::string_view key, element* out) {
    if (obj.at_key(key).get(*out) != simdjson::SUCCESS) return false;
    return !out->is_null();
  }

  absl::Status Object(element e, std::string_view field) const {
    if (!e.is_object()) return Error(field, "must be an object");
    return absl::OkStatus();
  }

  absl::StatusOr<std::string_view> String(element e, std::string_view field) const {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Error(field, "must be a string");
    return s;
  }

  absl::StatusOr<std::string_view> StringMember(element obj, std::string_view key,
                                                std::string_view field) const {
    element e;
    if (!Member(obj, key, &e)) return Error(field, base::StrCat("missing \"", key, "\""));
    return String(e, base::StrCat(field, ".", key));
  }

  // A boolean member; `absent` if missing or null.
  absl::StatusOr<bool> BoolMember(element obj, std::string_view key, std::string_view field,
                                  bool absent) const {
    element e;
    if (!Member(obj, key, &e)) return absent;
    bool b;
    if (e.get_bool().get(b) != simdjson::SUCCESS) {
      return Error(base::StrCat(field, ".", key), "must be a boolean");
    }
    return b;
  }

  absl::StatusOr<int32_t> Id(element e, std::string_view field) const {
    int64_t v;
    if (e.get_int64().get(v) != simdjson::SUCCESS || v < 0 || v >= (int64_t{1} << 24)) {
      return Error(field, "must be an integer id in [0, 16777216)");
    }
    return static_cast<int32_t>(v);
  }

  const std::string& where() const { return where_; }

  // A {"type": "Sequence", `key`: [...]} node: calls read(child, child field) on each.
  template <typename Read>
  absl::Status ForEachInSequence(element e, std::string_view key, std::string_view field,
                                 Read read) const {
    element list;
    if (!Member(e, key, &list) || !list.is_array()) {
      return Error(field, base::StrCat("a Sequence needs a \"", key, "\" array"));
    }
    size_t i = 0;
    for (element child : simdjson::dom::array(list)) {
      TM_RETURN_IF_ERROR(read(child, base::StrCat(field, ".", key, "[", i++, "]")));
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
};

absl::Status ReadNormalizer(const ConfigReader& r, element e, std::string_view field, bool* nfc) {
  TM_RETURN_IF_ERROR(r.Object(e, field));
  TM_ASSIGN_OR_RETURN(std::string_view type, r.StringMember(e, "type", field));
  if (type == "NFC") {
    *nfc = true;
    return absl::OkStatus();
  }
  if (type == "Sequence") {
    return r.ForEachInSequence(e, "normalizers", field, [&](element child, std::string f) {
      return ReadNormalizer(r, child, f, nfc);
    });
  }
  return r.Error(
      field, base::StrCat("unsupported normalizer type \"", type, "\" (supported: NFC, Sequence)"));
}

absl::Status ReadPreTokenizer(const ConfigReader& r, element e, std::string_view field,
                              std::vector<std::string>* patterns, bool* byte_level) {
  TM_RETURN_IF_ERROR(r.Object(e, field));
  TM_ASSIGN_OR_RETURN(std::string_view type, r.StringMember(e, "type", field));
  if (type == "Sequence") {
    return r.ForEachInSequence(e, "pretokenizers", field, [&](element child, std::string f) {
      return ReadPreTokenizer(r, child, f, patterns, byte_level);
    });
  }
  if (type == "ByteLevel") {
    TM_ASSIGN_OR_RETURN(bool prefix, r.BoolMember(e, "add_prefix_space", field, false));
    if (prefix) return r.Error(field, "add_prefix_space=true is not supported");
    TM_ASSIGN_OR_RETURN(bool use_regex, r.BoolMember(e, "use_regex", field, true));
    if (use_regex) patterns->emplace_back(kGpt2Pattern);
    *byte_level = true;
    return absl::OkStatus();
  }
  if (type == "Split") {
    if (*byte_level) return r.Error(field, "a Split after ByteLevel is not supported");
    element pattern;
    if (!ConfigReader::Member(e, "pattern", &pattern) || !pattern.is_object()) {
      return r.Error(field, "missing \"pattern\" object");
    }
    element regex;
    if (!ConfigReader::Member(pattern, "Regex", &regex)) {
      return r.Error(base::StrCat(field, ".pattern"),
                     "only {\"Regex\": ...} patterns are supported");
    }
    TM_ASSIGN_OR_RETURN(std::string_view text,
                        r.String(regex, base::StrCat(field, ".pattern.Regex")));
    TM_ASSIGN_OR_RETURN(std::string_view behavior, r.StringMember(e, "behavior", field));
    if (behavior != "Isolated") {
      return r.Error(base::StrCat(field, ".behavior"),
                     base::StrCat("\"", behavior, "\" is not supported (only Isolated)"));
    }
    TM_ASSIGN_OR_RETURN(bool invert, r.BoolMember(e, "invert", field, false));
    if (invert) return r.Error(base::StrCat(field, ".invert"), "true is not supported");
    patterns->emplace_back(text);
    return absl::OkStatus();
  }
  return r.Error(field, base::StrCat("unsupported pre-tokenizer type \"", type,
                                     "\" (supported: Split, ByteLevel, Sequence)"));
}

absl::StatusOr<std::unique_ptr<BpeModel>> ReadModel(const ConfigReader& r, element root) {
  element model;
  if (!ConfigReader::Member(root, "model", &model)) return r.Error("model", "missing");
  TM_RETURN_IF_ERROR(r.Object(model, "model"));
  TM_ASSIGN_OR_RETURN(std::string_view type, r.StringMember(model, "type", "model"));
  if (type != "BPE") {
    return r.Error("model.type", base::StrCat("\"", type, "\" is not supported (only BPE)"));
  }
  element e;
  if (ConfigReader::Member(model, "dropout", &e)) {
    double dropout = 0;
    if (e.get_double().get(dropout) != simdjson::SUCCESS || dropout != 0) {
      return r.Error("model.dropout", "must be null or 0");
    }
  }
  TM_ASSIGN_OR_RETURN(bool byte_fallback, r.BoolMember(model, "byte_fallback", "model", false));
  if (byte_fallback) return r.Error("model.byte_fallback", "true is not supported");
  for (std::string_view key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (ConfigReader::Member(model, key, &e)) {
      TM_ASSIGN_OR_RETURN(std::string_view s, r.String(e, base::StrCat("model.", key)));
      if (!s.empty()) return r.Error(base::StrCat("model.", key), "must be empty");
    }
  }
  BpeModel::Options options;
  TM_ASSIGN_OR_RETURN(options.ignore_merges, r.BoolMember(model, "ignore_merges", "model", false));

  element vocab_e;
  if (!ConfigReader::Member(model, "vocab", &vocab_e)) return r.Error("model.vocab", "missing");
  if (!vocab_e.is_object()) return r.Error("model.vocab", "must be an object of token: id");
  std::vector<std::pair<std::string, int32_t>> vocab;
  vocab.reserve(simdjson::dom::object(vocab_e).size());
  for (simdjson::dom::key_value_pair field : simdjson::dom::object(vocab_e)) {
    std::string_view token = field.key;
    TM_ASSIGN_OR_RETURN(int32_t id,
                        r.Id(field.value, base::StrCat("model.vocab[\"", token, "\"]")));
    vocab.emplace_back(std::string(token), id);
  }

  element merges_e;
  if (!ConfigReader::Member(model, "merges", &merges_e)) {
    return r.Error("model.merges", "missing");
  }
  if (!merges_e.is_array()) return r.Error("model.merges", "must be an array");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(simdjson::dom::array(merges_e).size());
  size_t i = 0;
  for (element m : simdjson::dom::array(merges_e)) {
    std::string field = base::StrCat("model.merges[", i++, "]");
    std::string_view s;
    if (m.get_string().get(s) == simdjson::SUCCESS) {
      size_t space = s.find(' ');
      if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
        return r.Error(field, base::StrCat("\"", s, "\" is not two tokens separated by a space"));
      }
      merges.emplace_back(std::string(s.substr(0, space)), std::string(s.substr(space + 1)));
      continue;
    }
    std::string_view a, b;
    if (!m.is_array() || simdjson::dom::array(m).size() != 2 ||
        m.at(0).get_string().get(a) != simdjson::SUCCESS ||
        m.at(1).get_string().get(b) != simdjson::SUCCESS) {
      return r.Error(field, "must be \"a b\" or [\"a\", \"b\"]");
    }
    merges.emplace_back(std::string(a), std::string(b));
  }
  return BpeModel::Create(std::move(vocab), merges, options, r.where());
}

absl::StatusOr<std::vector<AddedToken>> ReadAddedTokens(const ConfigReader& r, element root) {
  std::vector<AddedToken> tokens;
  element list;
  if (!ConfigReader::Member(root, "added_tokens", &list)) return tokens;
  if (!list.is_array()) return r.Error("added_tokens", "must be an array");
  absl::flat_hash_set<std::string> seen;
  size_t i = 0;
  for (element e : simdjson::dom::array(list)) {
    std::string field = base::StrCat("added_tokens[", i++, "]");
    TM_RETURN_IF_ERROR(r.Object(e, field));
    AddedToken token;
    element id;
    if (!ConfigReader::Member(e, "id", &id)) return r.Error(field, "missing \"id\"");
    TM_ASSIGN_OR_RETURN(token.id, r.Id(id, base::StrCat(field, ".id")));
    TM_ASSIGN_OR_RETURN(std::string_view content, r.StringMember(e, "content", field));
    if (content.empty()) return r.Error(base::StrCat(field, ".content"), "must not be empty");
    token.content = std::string(content);
    for (std::string_view key : {"single_word", "lstrip", "rstrip"}) {
      TM_ASSIGN_OR_RETURN(bool flag, r.BoolMember(e, key, field, false));
      if (flag) return r.Error(base::StrCat(field, ".", key), "true is not supported");
    }
    TM_ASSIGN_OR_RETURN(token.special, r.BoolMember(e, "special", field, false));
    // Hugging Face's default: special tokens are matched in the raw text.
    TM_ASSIGN_OR_RETURN(token.normalized, r.BoolMember(e, "normalized", field, !token.special));
    if (!seen.insert(token.content).second) {
      return r.Error(base::StrCat(field, ".content"),
                     base::StrCat("\"", content, "\" appears more than once"));
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// The ids a TemplateProcessing post-processor puts around a single sequence.
struct SpecialAround {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
};

absl::Status ReadPostProcessor(const ConfigReader& r, element e, std::string_view field,
                               SpecialAround* around) {
  TM_RETURN_IF_ERROR(r.Object(e, field));
  TM_ASSIGN_OR_RETURN(std::string_view type, r.StringMember(e, "type", field));
  if (type == "ByteLevel") return absl::OkStatus();  // offsets only; ids unchanged
  if (type == "Sequence") {
    return r.ForEachInSequence(e, "processors", field, [&](element child, std::string f) {
      return ReadPostProcessor(r, child, f, around);
    });
  }
  if (type != "TemplateProcessing") {
    return r.Error(field, base::StrCat("unsupported post_processor type \"", type,
                                       "\" (supported: TemplateProcessing, ByteLevel, Sequence)"));
  }
  element single, specials;
  if (!ConfigReader::Member(e, "single", &single) || !single.is_array()) {
    return r.Error(field, "TemplateProcessing needs a \"single\" array");
  }
  ConfigReader::Member(e, "special_tokens", &specials);
  bool seen_sequence = false;
  size_t i = 0;
  for (element piece : simdjson::dom::array(single)) {
    std::string piece_field = base::StrCat(field, ".single[", i++, "]");
    element inner;
    if (ConfigReader::Member(piece, "Sequence", &inner)) {
      if (seen_sequence) return r.Error(piece_field, "a second Sequence");
      seen_sequence = true;
      continue;
    }
    if (!ConfigReader::Member(piece, "SpecialToken", &inner)) {
      return r.Error(piece_field, "must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
    TM_ASSIGN_OR_RETURN(std::string_view name, r.StringMember(inner, "id", piece_field));
    element special, ids;
    if (!specials.is_object() || specials.at_key(name).get(special) != simdjson::SUCCESS ||
        !ConfigReader::Member(special, "ids", &ids) || !ids.is_array()) {
      return r.Error(base::StrCat(field, ".special_tokens"),
                     base::StrCat("no ids for \"", name, "\""));
    }
    std::vector<int32_t>& out = seen_sequence ? around->suffix : around->prefix;
    for (element id : simdjson::dom::array(ids)) {
      TM_ASSIGN_OR_RETURN(int32_t value, r.Id(id, base::StrCat(field, ".special_tokens")));
      out.push_back(value);
    }
  }
  if (!seen_sequence) return r.Error(base::StrCat(field, ".single"), "has no Sequence");
  return absl::OkStatus();
}

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromFile(const std::string& path) {
  TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  return FromJson(text, path);
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromJson(std::string_view json,
                                                               std::string_view where) {
  ConfigReader r(where);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json.data(), json.size());
  element root;
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return r.Error("(document)", base::StrCat("not valid JSON: ", simdjson::error_message(error)));
  }
  if (!root.is_object()) return r.Error("(document)", "must be a JSON object");

  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  TM_ASSIGN_OR_RETURN(tok->model_, ReadModel(r, root));

  element e;
  if (ConfigReader::Member(root, "normalizer", &e)) {
    TM_RETURN_IF_ERROR(ReadNormalizer(r, e, "normalizer", &tok->nfc_));
  }
  std::vector<std::string> patterns;
  bool byte_level = false;
  if (ConfigReader::Member(root, "pre_tokenizer", &e)) {
    TM_RETURN_IF_ERROR(ReadPreTokenizer(r, e, "pre_tokenizer", &patterns, &byte_level));
  }
  if (!byte_level) {
    return r.Error("pre_tokenizer", "must include ByteLevel (only byte-level BPE is supported)");
  }
  TM_ASSIGN_OR_RETURN(tok->pre_tokenizer_, PreTokenizer::Create(patterns, where));

  tok->byte_level_decoder_ = false;
  if (ConfigReader::Member(root, "decoder", &e)) {
    TM_RETURN_IF_ERROR(r.Object(e, "decoder"));
    TM_ASSIGN_OR_RETURN(std::string_view type, r.StringMember(e, "type", "decoder"));
    if (type != "ByteLevel") {
      return r.Error("decoder.type",
                     base::StrCat("\"", type, "\" is not supported (only ByteLevel)"));
    }
    tok->byte_level_decoder_ = true;
  }

  if (ConfigReader::Member(root, "post_processor", &e)) {
    SpecialAround around;
    TM_RETURN_IF_ERROR(ReadPostProcessor(r, e, "post_processor", &around));
    tok->special_prefix_ = std::move(around.prefix);
    tok->special_suffix_ = std::move(around.suffix);
  }

  TM_ASSIGN_OR_RETURN(std::vector<AddedToken> added, ReadAddedTokens(r, root));
  int32_t vocab_size = tok->model_->vocab_size();
  for (const AddedToken& t : added) vocab_size = std::max(vocab_size, t.id + 1);
  tok->vocab_size_ = vocab_size;
  tok->added_ = std::make_unique<AddedVocabulary>(std::move(added));
  return tok;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  EncodeTo(text, &ids);
  return ids;
}

std::vector<int32_t> Tokenizer::EncodeWithSpecialTokens(std::string_view text) const {
  std::vector<int32_t> ids = special_prefix_;
  ids.reserve(text.size() / 3 + 4 + special_suffix_.size());
  EncodeTo(text, &ids);
  ids.insert(ids.end(), special_suffix_.begin(), special_suffix_.end());
  return ids;
}

std::vector<std::vector<int32_t>> Tokenizer::EncodeBatch(const std::vector<std::string_view>& texts,
                                                         int threads) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(threads, texts.size()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < texts.size(); i = next++) out[i] = Encode(texts[i]);
  };
  if (threads <= 1) {
    work();
    return out;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return out;
}

void Tokenizer::EncodeTo(std::string_view text, std::vector<int32_t>* ids) const {
  std::string repaired;
  if (!base::IsValidUtf8(text)) {
    repaired = ToValidUtf8Lossy(text);
    text = repaired;
  }
  std::vector<AddedVocabulary::Segment> segments;
  added_->Split(text, /*normalized=*/false, &segments);
  for (const AddedVocabulary::Segment& segment : segments) {
    if (segment.id >= 0) {
      ids->push_back(segment.id);
    } else if (nfc_) {
      EncodeNormalized(NfcNormalize(segment.text), ids);
    } else {
      EncodeNormalized(segment.text, ids);
    }
  }
}

void Tokenizer::EncodeNormalized(std::string_view text, std::vector<int32_t>* ids) const {
  if (!added_->has_normalized()) {
    EncodeOrdinary(text, ids);
    return;
  }
  std::vector<AddedVocabulary::Segment> segments;
  added_->Split(text, /*normalized=*/true, &segments);
  for (const AddedVocabulary::Segment& segment : segments) {
    if (segment.id >= 0) {
      ids->push_back(segment.id);
    } else {
      EncodeOrdinary(segment.text, ids);
    }
  }
}

void Tokenizer::EncodeOrdinary(std::string_view text, std::vector<int32_t>* ids) const {
  std::vector<std::string_view> pieces;
  pre_tokenizer_->Split(text, &pieces);
  for (std::string_view piece : pieces) model_->EncodeWord(piece, ids);
}

void Tokenizer::AppendTokenBytes(int32_t id, std::string* out) const {
  // Every tokenizer here pre-tokenizes with ByteLevel, so this inverts Encode whatever
  // the file's decoder says.
  std::string_view token = IdToToken(id);
  if (!token.empty()) AppendByteLevelBytes(token, out);
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    std::string_view token = IdToToken(id);
    if (token.empty()) continue;
    if (byte_level_decoder_) {
      AppendByteLevelBytes(token, &bytes);
    } else {
      bytes.append(token);
    }
  }
  if (base::IsValidUtf8(bytes)) return bytes;
  return ToValidUtf8Lossy(bytes);
}

int32_t Tokenizer::TokenToId(std::string_view token) const {
  int32_t id = added_->TokenToId(token);
  return id >= 0 ? id : model_->TokenToId(token);
}

std::string_view Tokenizer::IdToToken(int32_t id) const {
  if (const AddedToken* added = added_->FindById(id)) return added->content;
  return model_->IdToToken(id);
}

}  // namespace tracemill::text
