// A small blocking HTTP/1.1 server for tests (a thread per connection, loopback only):
// the handler sees each request and writes the raw response bytes itself, so tests can
// send anything — streams with pauses, malformed replies, resets.
//
//   TestHttpServer server([](const TestHttpServer::Request& r, TestHttpServer::Connection& c) {
//     c.Write(TestHttpServer::Response(200, R"({"ok":true})"));
//   });
//   http.Send({.url = server.Url("/v1/chat/completions")});
#ifndef TRACEMILL_LIBS_NET_TEST_HTTP_SERVER_H_
#define TRACEMILL_LIBS_NET_TEST_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace tracemill::net {

class TestHttpServer {
 public:
  struct Request {
    std::string method, path, body;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::optional<std::string> Header(std::string_view name) const;
  };
  class Connection {
   public:
    explicit Connection(int fd) : fd_(fd) {}
    void Write(std::string_view bytes);
    // Ends the connection after the handler returns (else it stays open for more requests).
    void Close() { close_ = true; }
    bool closing() const { return close_; }

   private:
    int fd_;
    bool close_ = false;
  };
  using Handler = std::function<void(const Request&, Connection&)>;

  explicit TestHttpServer(Handler handler);
  ~TestHttpServer();

  int port() const { return port_; }
  std::string Url(std::string_view path = "/") const;
  int requests() const { return requests_.load(); }

  // A complete response with Content-Length.
  static std::string Response(int status, std::string_view body,
                              std::string_view content_type = "application/json",
                              std::string_view extra_headers = "");

 private:
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
};

}  // namespace tracemill::net

#endif  // TRACEMILL_LIBS_NET_TEST_HTTP_SERVER_H_
