#include "libs/text/added_vocabulary.h"

#include <algorithm>

namespace tracemill::text {

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    by_content_[tokens_[i].content] = tokens_[i].id;
    by_id_[tokens_[i].id] = i;
  }
  BuildMatcher(false, &raw_);
  BuildMatcher(true, &normalized_);
}

void AddedVocabulary::BuildMatcher(bool normalized, Matcher* matcher) const {
  for (const AddedToken& token : tokens_) {
    if (token.normalized != normalized) continue;
    matcher->tokens.push_back(&token);
    matcher->first_byte[static_cast<unsigned char>(token.content[0])] = true;
  }
  std::stable_sort(matcher->tokens.begin(), matcher->tokens.end(),
                   [](const AddedToken* a, const AddedToken* b) {
                     return a->content.size() > b->content.size();
                   });
}

void AddedVocabulary::Split(std::string_view text, bool normalized,
                            std::vector<Segment>* out) const {
  const Matcher& m = normalized ? normalized_ : raw_;
  if (m.tokens.empty()) {
    if (!text.empty()) out->push_back({text, -1});
    return;
  }
  size_t last = 0;
  for (size_t i = 0; i < text.size();) {
    if (!m.first_byte[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    const AddedToken* hit = nullptr;
    for (const AddedToken* token : m.tokens) {
      if (text.compare(i, token->content.size(), token->content) == 0) {
        hit = token;
        break;
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    if (i > last) out->push_back({text.substr(last, i - last), -1});
    out->push_back({text.substr(i, hit->content.size()), hit->id});
    i += hit->content.size();
    last = i;
  }
  if (last < text.size()) out->push_back({text.substr(last), -1});
}

int32_t AddedVocabulary::TokenToId(std::string_view content) const {
  auto it = by_content_.find(absl::string_view(content.data(), content.size()));
  return it == by_content_.end() ? -1 : it->second;
}

const AddedToken* AddedVocabulary::FindById(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace tracemill::text
