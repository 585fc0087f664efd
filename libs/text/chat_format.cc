#include "libs/text/chat_format.h"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <utility>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/base/utf8.h"
#include "libs/text/normalizer.h"

namespace tracemill::text {
namespace {

constexpr const char* kSpecialTokenKeys[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                             "pad_token", "cls_token", "mask_token"};
constexpr const char* kKnownEndOfTurn[] = {"<|im_end|>", "<|eot_id|>", "<end_of_turn>",
                                           "<|end|>"};

// The template string of a tokenizer_config.json: a string, or the "default" entry of a
// list of {name, template}.
absl::StatusOr<std::string> TemplateFromConfig(const Json& config, std::string_view where) {
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    std::string names;
    for (const Json& entry : *it) {
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
          !entry.contains("template") || !entry["template"].is_string()) {
        return absl::InvalidArgumentError(base::StrCat(
            where, ": chat_template: a list entry must be {\"name\": ..., \"template\": ...}"));
      }
      if (entry["name"] == "default") return entry["template"].get<std::string>();
      base::StrAppend(&names, names.empty() ? "" : ", ", entry["name"].get<std::string>());
    }
    return absl::InvalidArgumentError(
        base::StrCat(where, ": chat_template: no \"default\" among the named templates (", names,
                     ")"));
  }
  return absl::InvalidArgumentError(
      base::StrCat(where, ": chat_template: must be a string or a list of named templates"));
}

// Whether `token` can be a token boundary-cut point, i.e. is it the text of one token.
bool IsSingleToken(const Tokenizer& tokenizer, std::string_view token) {
  return tokenizer.TokenToId(token) >= 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChatFormat>> ChatFormat::FromDirectory(const std::string& dir) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer,
                      Tokenizer::FromFile(dir + "/tokenizer.json"));
  const std::string config_path = dir + "/tokenizer_config.json";
  TM_ASSIGN_OR_RETURN(std::string config_text, base::ReadFile(config_path));
  TM_ASSIGN_OR_RETURN(Json config, base::ParseJson(config_text, config_path));
  if (!config.is_object()) {
    return absl::InvalidArgumentError(base::StrCat(config_path, ": must be a JSON object"));
  }
  TM_ASSIGN_OR_RETURN(std::string source, TemplateFromConfig(config, config_path));
  if (source.empty()) {
    const std::string jinja_path = dir + "/chat_template.jinja";
    std::error_code ec;
    if (!std::filesystem::exists(jinja_path, ec)) {
      return absl::NotFoundError(base::StrCat(config_path, " has no chat_template and ",
                                              jinja_path, " does not exist"));
    }
    TM_ASSIGN_OR_RETURN(source, base::ReadFile(jinja_path));
  }
  return Create(std::move(tokenizer), config, std::move(source), config_path);
}

absl::StatusOr<std::unique_ptr<ChatFormat>> ChatFormat::Create(
    std::unique_ptr<Tokenizer> tokenizer, const Json& config, std::string template_source,
    std::string_view where) {
  if (tokenizer == nullptr) return absl::InvalidArgumentError("ChatFormat needs a tokenizer");
  if (template_source.empty()) {
    TM_ASSIGN_OR_RETURN(template_source, TemplateFromConfig(config, where));
    if (template_source.empty()) {
      return absl::InvalidArgumentError(base::StrCat(where, ": no chat_template"));
    }
  }
  auto compiled = ChatTemplate::Compile(template_source);
  if (!compiled.ok()) {
    return absl::InvalidArgumentError(
        base::StrCat(where, ": chat_template: ", compiled.status().message()));
  }
  Json special = Json::object();
  if (config.is_object()) {
    for (const char* key : kSpecialTokenKeys) {
      auto it = config.find(key);
      if (it == config.end() || it->is_null()) continue;
      if (it->is_string()) {
        special[key] = *it;
      } else if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
        special[key] = (*it)["content"];
      } else {
        return absl::InvalidArgumentError(
            base::StrCat(where, ": ", key, ": must be a string or {\"content\": ...}"));
      }
    }
  }
  std::unique_ptr<ChatFormat> format(
      new ChatFormat(std::move(tokenizer), std::move(*compiled), std::move(special)));
  auto add_end = [&](const std::string& token) {
    if (!token.empty() && IsSingleToken(*format->tokenizer_, token) &&
        std::find(format->end_of_turn_.begin(), format->end_of_turn_.end(), token) ==
            format->end_of_turn_.end()) {
      format->end_of_turn_.push_back(token);
    }
  };
  if (format->special_tokens_.contains("eos_token")) {
    add_end(format->special_tokens_["eos_token"].get<std::string>());
  }
  for (const char* token : kKnownEndOfTurn) add_end(token);
  return format;
}

Json ChatFormat::Context(const Json& messages, const Json& tools, bool add_generation_prompt,
                         const Json& extra) const {
  Json context = special_tokens_;
  // As OpenAI-compatible servers do before rendering: a null or missing `content` (an
  // assistant turn that only calls tools) is "", and text parts are joined into one
  // string. Templates such as Qwen3's call string methods on the content.
  Json normalized = messages;
  for (Json& m : normalized) {
    if (!m.is_object()) continue;
    auto content = m.find("content");
    if (content == m.end() || content->is_null()) {
      m["content"] = "";
    } else if (content->is_array()) {
      std::string text;
      bool all_text = true;
      for (const Json& part : *content) {
        if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
          text += part["text"].get<std::string>();
        } else {
          all_text = false;
        }
      }
      if (all_text) *content = text;
    }
  }
  context["messages"] = std::move(normalized);
  if (tools.is_array() && !tools.empty()) context["tools"] = tools;
  context["add_generation_prompt"] = add_generation_prompt;
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) context[key] = value;
  }
  return context;
}

absl::StatusOr<std::string> ChatFormat::Render(const Json& messages, const Json& tools,
                                               bool add_generation_prompt,
                                               const Json& extra) const {
  if (!messages.is_array()) return absl::InvalidArgumentError("messages must be an array");
  return template_.Render(Context(messages, tools, add_generation_prompt, extra));
}

absl::StatusOr<std::string> ChatFormat::TargetText(const Json& messages, size_t index,
                                                   const Json& tools, const Json& extra) const {
  Json before = Json::array();
  for (size_t i = 0; i < index; ++i) before.push_back(messages[i]);
  TM_ASSIGN_OR_RETURN(std::string prompt, Render(before, tools, true, extra));
  before.push_back(messages[index]);
  TM_ASSIGN_OR_RETURN(std::string with, Render(before, tools, false, extra));
  if (with.compare(0, prompt.size(), prompt) != 0) {
    return absl::InvalidArgumentError(base::StrCat(
        "message ", index, ": the template's generation prompt is not a prefix of the "
        "conversation rendered with this assistant message; cannot isolate its text"));
  }
  std::string text = with.substr(prompt.size());
  // Cut after the last end-of-turn token.
  size_t cut = std::string::npos;
  for (const std::string& end : end_of_turn_) {
    size_t at = text.rfind(end);
    if (at != std::string::npos && (cut == std::string::npos || at + end.size() > cut)) {
      cut = at + end.size();
    }
  }
  if (cut != std::string::npos) text.resize(cut);
  if (text.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("message ", index, ": the template renders this assistant message as "
                     "nothing; there is nothing to train on"));
  }
  return text;
}

absl::StatusOr<TokenizedChat> ChatFormat::Tokenize(const Json& messages, const Json& tools,
                                                   int target_from,
                                                   const TokenizeOptions& options) const {
  const Json& extra = options.extra;
  if (!messages.is_array()) return absl::InvalidArgumentError("messages must be an array");
  TokenizedChat out;
  TM_ASSIGN_OR_RETURN(std::string full, Render(messages, tools, false, extra));
  if (!base::IsValidUtf8(full)) full = ToValidUtf8Lossy(full);
  const bool nfc = tokenizer_->normalizes_nfc();
  out.text = nfc ? NfcNormalize(full) : std::move(full);

  size_t cursor = 0;
  for (size_t i = std::max(0, target_from); i < messages.size(); ++i) {
    const Json& message = messages[i];
    if (!message.is_object() || message.value("role", Json()) != "assistant") continue;
    TM_ASSIGN_OR_RETURN(std::string text, TargetText(messages, i, tools, extra));
    if (!base::IsValidUtf8(text)) text = ToValidUtf8Lossy(text);
    if (nfc) text = NfcNormalize(text);
    size_t at = out.text.find(text, cursor);
    if (at == std::string::npos && options.skip_unmatched_targets) {
      out.skipped_messages.push_back(static_cast<int>(i));
      continue;
    }
    if (at == std::string::npos) {
      return absl::InvalidArgumentError(base::StrCat(
          "message ", i, ": the template renders this assistant message differently inside "
          "the conversation than at its end (Qwen3 drops the reasoning of turns before the last "
          "user message); leave it out of the targets (target_from, per-query rows)"));
    }
    out.spans.emplace_back(at, at + text.size());
    out.span_messages.push_back(static_cast<int>(i));
    cursor = at + text.size();
  }
  if (out.spans.empty()) {
    return absl::InvalidArgumentError(base::StrCat(
        "no assistant message at index >= ", target_from, " to train on",
        out.skipped_messages.empty() ? "" : " (the template renders each differently)"));
  }

  out.input_ids = tokenizer_->Encode(out.text);
  out.target.assign(out.input_ids.size(), 0);
  std::string bytes;
  size_t span = 0;
  for (size_t t = 0; t < out.input_ids.size(); ++t) {
    const size_t begin = bytes.size();
    tokenizer_->AppendTokenBytes(out.input_ids[t], &bytes);
    const size_t end = bytes.size();
    while (span < out.spans.size() && out.spans[span].second <= begin) ++span;
    if (span < out.spans.size() && out.spans[span].first < end && begin < out.spans[span].second) {
      out.target[t] = 1;
      ++out.target_tokens;
    }
  }
  if (bytes != out.text) {
    return absl::InternalError(
        "the tokens do not spell the rendered text back (normalization across a special "
        "token?); cannot place the loss mask");
  }
  return out;
}

absl::StatusOr<size_t> ChatFormat::CountTokens(const Json& messages, const Json& tools,
                                               const Json& extra) const {
  TM_ASSIGN_OR_RETURN(std::string full, Render(messages, tools, false, extra));
  return tokenizer_->Encode(full).size();
}

}  // namespace tracemill::text
