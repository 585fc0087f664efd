#include "libs/net/sse.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tracemill::net {
namespace {

std::vector<SseEvent> ParseAll(const std::string& text) {
  SseParser p;
  std::vector<SseEvent> out;
  p.Feed(text, &out);
  return out;
}

TEST(SseTest, FieldsEventsAndComments) {
  auto events = ParseAll(
      ": a comment\n"
      "data: one\n\n"
      "event: message\ndata:two\ndata:  three\nid: 7\n\n"
      "event: endpoint\ndata: /x\n\n"
      "data\n\n"
      "event: nothing\n\n");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].data, "one");
  EXPECT_EQ(events[0].event, "message");
  EXPECT_EQ(events[0].id, "");
  EXPECT_EQ(events[1].data, "two\n three");  // one leading space is stripped
  EXPECT_EQ(events[1].id, "7");
  EXPECT_EQ(events[2].event, "endpoint");
  EXPECT_EQ(events[2].id, "7");  // the last id stays in force
  EXPECT_EQ(events[3].data, "");  // "data" with no colon: an empty data line
}

TEST(SseTest, RetryAndIdRules) {
  SseParser p;
  std::vector<SseEvent> out;
  using std::string_literals::operator""s;
  p.Feed("retry: 1500\nretry: soon\nid: 42\nid: a\0b\ndata: x\n\n"s, &out);
  EXPECT_EQ(p.retry_ms(), 1500);
  EXPECT_EQ(p.last_event_id(), "42");  // an id with a NUL is ignored
  ASSERT_EQ(out.size(), 1u);
}

TEST(SseTest, LineEndingsAndByteOrderMark) {
  const std::string want = "data: a\n\ndata: b\n\n";
  for (const std::string& text :
       {std::string("data: a\r\n\r\ndata: b\r\n\r\n"), std::string("data: a\r\rdata: b\r\r"),
        std::string("\xEF\xBB\xBF") + want}) {
    auto events = ParseAll(text);
    ASSERT_EQ(events.size(), 2u) << text;
    EXPECT_EQ(events[0].data, "a");
    EXPECT_EQ(events[1].data, "b");
  }
}

TEST(SseTest, AnySplitGivesTheSameEvents) {
  const std::string text =
      "\xEF\xBB\xBF: hi\r\nevent: e\r\ndata: {\"a\": 1}\r\nid: 3\r\n\r\ndata: x\ry\n\n"
      "data: last\r\n\r\n";
  const auto whole = ParseAll(text);
  ASSERT_EQ(whole.size(), 3u);  // "y" is a field name with no value, ignored
  std::mt19937 rng(1);
  for (int trial = 0; trial < 500; ++trial) {
    SseParser p;
    std::vector<SseEvent> out;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t n = std::min<size_t>(text.size() - pos, rng() % 5);
      p.Feed(std::string_view(text).substr(pos, n), &out);
      pos += n;
    }
    ASSERT_EQ(out.size(), whole.size()) << trial;
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].data, whole[i].data);
      EXPECT_EQ(out[i].event, whole[i].event);
      EXPECT_EQ(out[i].id, whole[i].id);
    }
  }
}

}  // namespace
}  // namespace tracemill::net
