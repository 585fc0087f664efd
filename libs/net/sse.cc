#include "libs/net/sse.h"

namespace tracemill::net {

void SseParser::Feed(std::string_view bytes, std::vector<SseEvent>* out) {
  if (started_) return FeedLines(bytes, out);
  // A UTF-8 byte-order mark at the very start is skipped; it may arrive split.
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  head_.append(bytes);
  if (head_.size() < kBom.size() && kBom.substr(0, head_.size()) == head_) return;
  started_ = true;
  std::string all = std::move(head_);
  std::string_view rest = all;
  if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
  FeedLines(rest, out);
}

void SseParser::FeedLines(std::string_view bytes, std::vector<SseEvent>* out) {
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\n' && c != '\r') {
      after_cr_ = false;
      continue;
    }
    if (c == '\n' && after_cr_ && i == 0) {  // the \n of a \r\n split across Feed calls
      after_cr_ = false;
      start = 1;
      continue;
    }
    line_.append(bytes.data() + start, i - start);
    Line(line_, out);
    line_.clear();
    const bool crlf = c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n';
    if (crlf) ++i;
    after_cr_ = c == '\r' && !crlf && i + 1 == bytes.size();
    start = i + 1;
  }
  line_.append(bytes.data() + start, bytes.size() - start);
}

void SseParser::Line(std::string_view line, std::vector<SseEvent>* out) {
  if (line.empty()) {
    if (has_data_) {
      SseEvent e;
      if (!event_.empty()) e.event = event_;
      e.data = data_;
      e.id = last_id_;
      out->push_back(std::move(e));
    }
    event_.clear();
    data_.clear();
    has_data_ = false;
    return;
  }
  if (line[0] == ':') return;  // a comment
  std::string_view field = line, value;
  if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_ = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() < 16 &&
        value.find_first_not_of("0123456789") == std::string_view::npos) {
      retry_ms_ = std::stoll(std::string(value));
    }
  }
}

}  // namespace tracemill::net
