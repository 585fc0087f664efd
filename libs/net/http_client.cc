#include "libs/net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "libs/base/str_cat.h"

namespace tracemill::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// One request in flight. Shared with callbacks posted to the loop, which may outlive
// the coroutine that started it.
struct Transfer {
  EventLoop* loop = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  bool streaming = false;
  std::function<void(const HttpResponse&)> on_headers;
  std::function<void(std::string_view)> on_data;
  std::string pending;           // streamed bytes not yet handed over
  bool delivery_posted = false;
  bool headers_reported = false;
  std::weak_ptr<Transfer> self;

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }

  void ReportHeaders() {
    if (headers_reported) return;
    headers_reported = true;
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    response.status = static_cast<int>(code);
    if (on_headers) on_headers(response);
  }

  // Hands pending streamed bytes to on_data (on the loop, outside curl).
  void Deliver() {
    delivery_posted = false;
    if (pending.empty()) return;
    ReportHeaders();
    std::string chunk;
    chunk.swap(pending);
    if (on_data) on_data(chunk);
  }

  static size_t OnBody(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t bytes = size * n;
    if (!t->streaming) {
      t->response.body.append(data, bytes);
      return bytes;
    }
    t->pending.append(data, bytes);
    if (!t->delivery_posted) {
      t->delivery_posted = true;
      t->loop->Post([weak = t->self] {
        if (auto t = weak.lock()) t->Deliver();
      });
    }
    return bytes;
  }

  static int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    return t->request.cancel && *t->request.cancel ? 1 : 0;  // non-zero aborts
  }

  static size_t OnHeader(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
      t->response.headers.clear();  // a new response (after 100 Continue or a redirect)
    } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
      t->response.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                       std::string(Trim(line.substr(colon + 1))));
    }
    return size * n;
  }
};

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  const std::string want = Lower(name);
  for (const auto& [k, v] : headers) {
    if (k == want) return v;
  }
  return std::nullopt;
}

Task<absl::StatusOr<HttpResponse>> HttpClient::Send(HttpRequest request) {
  co_return co_await Stream(std::move(request), nullptr, nullptr);
}

Task<absl::StatusOr<HttpResponse>> HttpClient::Stream(
    HttpRequest request, std::function<void(const HttpResponse&)> on_headers,
    std::function<void(std::string_view)> on_data) {
  auto t = std::make_shared<Transfer>();
  t->self = t;
  t->loop = loop_;
  t->request = std::move(request);
  t->streaming = static_cast<bool>(on_data);
  t->on_headers = std::move(on_headers);
  t->on_data = std::move(on_data);
  t->easy = curl_easy_init();
  const HttpRequest& r = t->request;
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  if (r.cancel) {
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Transfer::OnProgress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, t.get());
  }
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  if (r.timeout.count() > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  if (r.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
  } else if (r.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (r.method != "GET" || !r.body.empty()) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  // No "Expect: 100-continue" round trip for large bodies.
  t->headers = curl_slist_append(t->headers, "Expect:");
  for (const auto& [k, v] : r.headers) {
    t->headers = curl_slist_append(t->headers, base::StrCat(k, ": ", v).c_str());
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);

  // A named awaiter: GCC 12 mishandles lambda temporaries inside co_await.
  AwaitCallback<int> finished([loop = loop_, e](std::function<void(int)> resume) {
    loop->AddTransfer(e, std::move(resume));
  });
  const int code = co_await finished;
  if (t->streaming) t->Deliver();  // bytes the last turn received
  if (code != CURLE_OK) {
    const std::string what =
        base::StrCat(r.method, " ", r.url, ": ", t->error[0] != 0 ? t->error
                                                                 : curl_easy_strerror(static_cast<CURLcode>(code)));
    if (code == CURLE_OPERATION_TIMEDOUT) co_return absl::DeadlineExceededError(what);
    if (code == CURLE_ABORTED_BY_CALLBACK) co_return absl::CancelledError(what);
    co_return absl::UnavailableError(what);
  }
  t->ReportHeaders();
  co_return std::move(t->response);
}

}  // namespace tracemill::net
