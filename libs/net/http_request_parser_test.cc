#include "libs/net/http_request_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tracemill::net {
namespace {

std::vector<ServerRequest> ParseAll(HttpRequestParser& p, std::string_view bytes) {
  p.Feed(bytes);
  std::vector<ServerRequest> out;
  ServerRequest r;
  while (p.Next(&r)) out.push_back(r);
  return out;
}

TEST(HttpRequestParserTest, ParsesAPostWithContentLength) {
  HttpRequestParser p;
  auto rs = ParseAll(p,
                     "POST /v1/chat/completions?stream=1 HTTP/1.1\r\nHost: x\r\nContent-Type:  application/json \r\n"
                     "Content-Length: 7\r\n\r\n{\"a\":1}");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].method, "POST");
  EXPECT_EQ(rs[0].target, "/v1/chat/completions?stream=1");
  EXPECT_EQ(rs[0].path, "/v1/chat/completions");
  EXPECT_EQ(rs[0].query, "stream=1");
  EXPECT_EQ(rs[0].Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(rs[0].body, "{\"a\":1}");
  EXPECT_TRUE(rs[0].keep_alive);
  EXPECT_FALSE(p.failed());
  EXPECT_FALSE(p.mid_request());
}

TEST(HttpRequestParserTest, EverySplitPointGivesTheSameRequests) {
  const std::string wire =
      "\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n"
      "PUT /c HTTP/1.0\nConnection: keep-alive\nContent-Length: 3\n\nabc";
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    HttpRequestParser p;
    auto rs = ParseAll(p, wire.substr(0, cut));
    auto more = ParseAll(p, wire.substr(cut));
    rs.insert(rs.end(), more.begin(), more.end());
    ASSERT_EQ(rs.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(rs[0].path, "/a");
    EXPECT_EQ(rs[1].body, "Wikipedia");
    EXPECT_EQ(rs[2].body, "abc");
    EXPECT_EQ(rs[2].minor_version, 0);
    EXPECT_TRUE(rs[2].keep_alive);
  }
  // A byte at a time.
  HttpRequestParser p;
  std::vector<ServerRequest> rs;
  for (char c : wire) {
    auto got = ParseAll(p, std::string_view(&c, 1));
    rs.insert(rs.end(), got.begin(), got.end());
  }
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[1].body, "Wikipedia");
}

TEST(HttpRequestParserTest, ConnectionSemantics) {
  HttpRequestParser p;
  auto rs = ParseAll(p,
                     "GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"
                     "GET / HTTP/1.0\r\n\r\n"
                     "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_FALSE(rs[0].keep_alive);
  EXPECT_FALSE(rs[1].keep_alive);
  EXPECT_TRUE(p.WantsContinue());
  p.AckContinue();
  EXPECT_FALSE(p.WantsContinue());
  rs = ParseAll(p, "ok");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(rs[0].expects_continue);
  EXPECT_EQ(rs[0].body, "ok");
}

struct BadCase {
  const char* wire;
  int status;
  const char* message_part;
};

TEST(HttpRequestParserTest, BadRequestsFailWithStatusAndReason) {
  const BadCase cases[] = {
      {"GET /\r\n\r\n", 400, "bad request line"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "bad request line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "bad method"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "not supported"},
      {"GET / HTTX/1.1\r\n\r\n", 400, "bad HTTP version"},
      {"GET /\x01 HTTP/1.1\r\n\r\n", 400, "bad request target"},
      {"GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, "bad header line"},
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "bad header line"},
      {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400, "folded header"},
      {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, "control character"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "conflicting"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not supported"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "chunked alone"},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad chunk size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400, "longer than its size"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413, "over the limit"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n", 413, "over the limit"},
  };
  for (const BadCase& c : cases) {
    HttpRequestParser p;
    auto rs = ParseAll(p, c.wire);
    EXPECT_TRUE(rs.empty()) << c.wire;
    EXPECT_TRUE(p.failed()) << c.wire;
    EXPECT_EQ(p.error_status(), c.status) << c.wire;
    EXPECT_NE(p.error().find(c.message_part), std::string::npos) << c.wire << " → " << p.error();
    EXPECT_NE(p.error().find("request 1 on this connection"), std::string::npos) << p.error();
  }
}

TEST(HttpRequestParserTest, RequestsBeforeABadOneAreKeptAndTheErrorNamesWhich) {
  HttpRequestParser p;
  auto rs = ParseAll(p, "GET /ok HTTP/1.1\r\n\r\nBAD\r\n\r\n");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].path, "/ok");
  EXPECT_EQ(p.error_status(), 400);
  EXPECT_NE(p.error().find("request 2"), std::string::npos) << p.error();
  // Nothing more is taken after a failure.
  EXPECT_TRUE(ParseAll(p, "GET / HTTP/1.1\r\n\r\n").empty());
}

TEST(HttpRequestParserTest, LimitsOnHeadHeadersAndBody) {
  {
    HttpRequestParser p({.max_head = 100});
    ParseAll(p, "GET / HTTP/1.1\r\nX: " + std::string(200, 'a'));  // no end of head yet
    EXPECT_EQ(p.error_status(), 431);
  }
  {
    HttpRequestParser p({.max_head = 100});
    ParseAll(p, "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n");
    EXPECT_EQ(p.error_status(), 431);
  }
  {
    HttpRequestParser p({.max_headers = 3});
    ParseAll(p, "GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n");
    EXPECT_EQ(p.error_status(), 431);
  }
  {
    HttpRequestParser p({.max_body = 8});
    auto rs = ParseAll(p, "POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n12345678");
    EXPECT_EQ(rs.size(), 1u);
    ParseAll(p, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n");
    EXPECT_EQ(p.error_status(), 413);
  }
  {
    HttpRequestParser p;
    ParseAll(p, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + std::string(10000, 'x'));
    EXPECT_EQ(p.error_status(), 431);
  }
}

TEST(HttpRequestParserTest, AHugeHeadSentAByteAtATimeIsRejectedNotRescannedForever) {
  HttpRequestParser p;  // 64 KiB head limit
  std::string line = "GET / HTTP/1.1\r\n";
  for (char c : line) p.Feed(std::string_view(&c, 1));
  const std::string filler = "X-Filler: " + std::string(60, 'y') + "\r\n";
  for (int i = 0; i < 2000 && !p.failed(); ++i) {
    for (char c : filler) p.Feed(std::string_view(&c, 1));
  }
  EXPECT_EQ(p.error_status(), 431);
}

}  // namespace
}  // namespace tracemill::net
