#include "libs/net/http_request_parser.h"

#include <algorithm>
#include <cctype>

#include "libs/base/str_cat.h"

namespace tracemill::net {
namespace {

bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// For error messages: at most 60 bytes, control and non-ASCII bytes escaped.
std::string Shown(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 60; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > 60) out += "...";
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Finds the end of the line starting at `from`: the index of its '\n', or npos.
size_t LineEnd(const std::string& buf, size_t from) { return buf.find('\n', from); }

std::string_view LineAt(const std::string& buf, size_t from, size_t nl) {
  std::string_view line(buf.data() + from, nl - from);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::optional<std::string_view> ServerRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

bool HttpRequestParser::Fail(int status, std::string message) {
  if (error_status_ == 0) {
    error_status_ = status;
    error_ = base::StrCat("request ", request_index_ + 1, " on this connection: ", message);
  }
  return false;
}

void HttpRequestParser::Feed(std::string_view bytes) {
  if (failed()) return;
  buf_.append(bytes);
  Run();
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > buf_.size() / 2)) {
    buf_.erase(0, pos_);
    scan_ = scan_ > pos_ ? scan_ - pos_ : 0;
    pos_ = 0;
  }
}

bool HttpRequestParser::Next(ServerRequest* out) {
  if (next_ready_ >= ready_.size()) {
    ready_.clear();
    next_ready_ = 0;
    return false;
  }
  *out = std::move(ready_[next_ready_++]);
  return true;
}

bool HttpRequestParser::ParseHead(std::string_view head) {
  pending_ = ServerRequest();
  size_t line_start = 0;
  bool first = true;
  while (line_start < head.size()) {
    size_t nl = head.find('\n', line_start);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(line_start, nl - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line_start = nl + 1;
    if (first) {
      first = false;
      const size_t sp1 = line.find(' ');
      const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return Fail(400, base::StrCat("bad request line \"", Shown(line), "\""));
      }
      const std::string_view method = line.substr(0, sp1);
      const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string_view version = line.substr(sp2 + 1);
      if (!IsToken(method)) return Fail(400, base::StrCat("bad method \"", Shown(method), "\""));
      if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
            const unsigned char u = static_cast<unsigned char>(c);
            return u <= 0x20 || u == 0x7F;
          })) {
        return Fail(400, base::StrCat("bad request target \"", Shown(target), "\""));
      }
      if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
          !std::isdigit(static_cast<unsigned char>(version[5])) ||
          !std::isdigit(static_cast<unsigned char>(version[7]))) {
        return Fail(400, base::StrCat("bad HTTP version \"", Shown(version), "\""));
      }
      if (version[5] != '1') {
        return Fail(505, base::StrCat("HTTP version ", Shown(version), " is not supported (1.0 and 1.1 are)"));
      }
      pending_.method = std::string(method);
      pending_.target = std::string(target);
      const size_t q = target.find('?');
      pending_.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) pending_.query = std::string(target.substr(q + 1));
      pending_.minor_version = version[7] - '0';
      continue;
    }
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      return Fail(400, base::StrCat("folded header line \"", Shown(line), "\" (obsolete line folding is not accepted)"));
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Fail(400, base::StrCat("bad header line \"", Shown(line), "\""));
    }
    const std::string_view value = TrimOws(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) {
          const unsigned char u = static_cast<unsigned char>(c);
          return (u < 0x20 && u != '\t') || u == 0x7F;
        })) {
      return Fail(400, base::StrCat("control character in header \"", Shown(line.substr(0, colon)), "\""));
    }
    if (pending_.headers.size() >= limits_.max_headers) {
      return Fail(431, base::StrCat("more than ", limits_.max_headers, " header fields"));
    }
    pending_.headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
  }

  // Connection semantics.
  bool close = false, keep = false;
  std::optional<std::string> content_length;
  bool chunked = false, has_te = false;
  for (const auto& [name, value] : pending_.headers) {
    if (name == "connection") {
      for (size_t start = 0; start <= value.size();) {
        size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        const std::string_view token = TrimOws(std::string_view(value).substr(start, comma - start));
        start = comma + 1;
        if (EqualsIgnoreCase(token, "close")) close = true;
        if (EqualsIgnoreCase(token, "keep-alive")) keep = true;
      }
    } else if (name == "expect") {
      if (EqualsIgnoreCase(value, "100-continue")) pending_.expects_continue = true;
    } else if (name == "content-length") {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Fail(400, base::StrCat("bad Content-Length \"", Shown(value), "\""));
      }
      if (content_length && *content_length != value) {
        return Fail(400, "conflicting Content-Length headers");
      }
      content_length = value;
    } else if (name == "transfer-encoding") {
      has_te = true;
      std::string_view last = value;
      if (const size_t comma = value.rfind(','); comma != std::string::npos) last = std::string_view(value).substr(comma + 1);
      last = TrimOws(last);
      if (!EqualsIgnoreCase(last, "chunked")) {
        return Fail(501, base::StrCat("Transfer-Encoding \"", Shown(value), "\" is not supported (chunked is)"));
      }
      if (value.find(',') != std::string::npos) {
        return Fail(501, base::StrCat("Transfer-Encoding \"", Shown(value), "\" is not supported (chunked alone is)"));
      }
      chunked = true;
    }
  }
  pending_.keep_alive = pending_.minor_version >= 1 ? !close : (keep && !close);
  if (has_te && content_length) {
    return Fail(400, "both Transfer-Encoding and Content-Length (a request must have one framing)");
  }
  if (has_te && pending_.minor_version == 0) {
    return Fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  }
  if (chunked) {
    state_ = State::kChunkSize;
    return true;
  }
  const uint64_t length = content_length ? std::stoull(*content_length) : 0;
  if (length > limits_.max_body) {
    return Fail(413, base::StrCat("body of ", length, " bytes is over the limit of ", limits_.max_body));
  }
  body_left_ = static_cast<size_t>(length);
  pending_.body.reserve(body_left_);
  state_ = State::kBody;
  return true;
}

void HttpRequestParser::Run() {
  while (!failed()) {
    switch (state_) {
      case State::kHead: {
        // Empty lines before a request line are ignored (RFC 9112 §2.2).
        while (pos_ < buf_.size() && (buf_[pos_] == '\r' || buf_[pos_] == '\n')) ++pos_;
        if (pos_ >= buf_.size()) return;
        // The head ends at an empty line: "\n\r\n" or "\n\n". Scanning resumes where the
        // last Feed stopped, so a head sent a byte at a time costs linear time.
        size_t end = std::string::npos, body_start = 0;
        size_t nl = buf_.find('\n', std::max(pos_, scan_));
        for (; nl != std::string::npos; nl = buf_.find('\n', nl + 1)) {
          if (nl - pos_ > limits_.max_head) break;
          if (nl + 1 >= buf_.size() || (buf_[nl + 1] == '\r' && nl + 2 >= buf_.size())) break;
          if (buf_[nl + 1] == '\n') {
            end = nl + 1;
            body_start = nl + 2;
            break;
          }
          if (buf_[nl + 1] == '\r' && buf_[nl + 2] == '\n') {
            end = nl + 1;
            body_start = nl + 3;
            break;
          }
        }
        scan_ = nl == std::string::npos ? buf_.size() : nl;
        if (end == std::string::npos) {
          // The empty line ending a head of max_head bytes may take two bytes more.
          if (buf_.size() - pos_ > limits_.max_head + 2) {
            Fail(431, base::StrCat("request head over ", limits_.max_head, " bytes"));
          }
          return;
        }
        if (end - pos_ > limits_.max_head) {
          Fail(431, base::StrCat("request head over ", limits_.max_head, " bytes"));
          return;
        }
        const std::string head = buf_.substr(pos_, end - pos_);
        pos_ = body_start;
        scan_ = 0;
        continued_ = false;
        if (!ParseHead(head)) return;
        break;
      }
      case State::kBody: {
        const size_t take = std::min(body_left_, buf_.size() - pos_);
        pending_.body.append(buf_, pos_, take);
        pos_ += take;
        body_left_ -= take;
        if (body_left_ > 0) return;
        ready_.push_back(std::move(pending_));
        pending_ = ServerRequest();
        ++request_index_;
        state_ = State::kHead;
        break;
      }
      case State::kChunkSize: {
        const size_t nl = LineEnd(buf_, pos_);
        if (nl == std::string::npos) {
          // 1024 bytes and a CR may still be a line within the limit.
          if (buf_.size() - pos_ > 1025) Fail(400, "chunk size line over 1024 bytes");
          return;
        }
        std::string_view line = LineAt(buf_, pos_, nl);
        if (line.size() > 1024) {
          Fail(400, "chunk size line over 1024 bytes");
          return;
        }
        pos_ = nl + 1;
        std::string_view size_text = line.substr(0, line.find(';'));
        size_text = TrimOws(size_text);
        if (size_text.empty() || size_text.size() > 15 ||
            !std::all_of(size_text.begin(), size_text.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
          Fail(400, base::StrCat("bad chunk size \"", Shown(line), "\""));
          return;
        }
        const uint64_t size = std::stoull(std::string(size_text), nullptr, 16);
        if (size == 0) {
          state_ = State::kTrailers;
          trailer_bytes_ = 0;
          break;
        }
        if (size > limits_.max_body || pending_.body.size() + size > limits_.max_body) {
          Fail(413, base::StrCat("chunked body over the limit of ", limits_.max_body, " bytes"));
          return;
        }
        body_left_ = static_cast<size_t>(size);
        state_ = State::kChunkData;
        break;
      }
      case State::kChunkData: {
        const size_t take = std::min(body_left_, buf_.size() - pos_);
        pending_.body.append(buf_, pos_, take);
        pos_ += take;
        body_left_ -= take;
        if (body_left_ > 0) return;
        state_ = State::kChunkDataEnd;
        break;
      }
      case State::kChunkDataEnd: {
        if (pos_ >= buf_.size()) return;
        if (buf_[pos_] == '\n') {
          ++pos_;
        } else if (buf_[pos_] == '\r') {
          if (pos_ + 1 >= buf_.size()) return;
          if (buf_[pos_ + 1] != '\n') {
            Fail(400, "chunk data not followed by CRLF");
            return;
          }
          pos_ += 2;
        } else {
          Fail(400, "chunk data longer than its size");
          return;
        }
        state_ = State::kChunkSize;
        break;
      }
      case State::kTrailers: {
        constexpr size_t kMaxLine = 8192;
        const size_t nl = LineEnd(buf_, pos_);
        const std::string too_long =
            base::StrCat("trailer fields too long (a line over ", kMaxLine, " bytes or over ", limits_.max_head, " in all)");
        if (nl == std::string::npos) {
          if (buf_.size() - pos_ > kMaxLine + 1 || trailer_bytes_ + (buf_.size() - pos_) > limits_.max_head + 1) {
            Fail(431, too_long);
          }
          return;
        }
        const std::string_view line = LineAt(buf_, pos_, nl);
        trailer_bytes_ += line.size();
        pos_ = nl + 1;
        if (line.size() > kMaxLine || trailer_bytes_ > limits_.max_head) {
          Fail(431, too_long);
          return;
        }
        if (!line.empty()) break;  // trailer fields are read and ignored
        ready_.push_back(std::move(pending_));
        pending_ = ServerRequest();
        ++request_index_;
        state_ = State::kHead;
        break;
      }
    }
  }
}

}  // namespace tracemill::net
