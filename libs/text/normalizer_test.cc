#include "libs/text/normalizer.h"

#include "gtest/gtest.h"

namespace tracemill::text {
namespace {

TEST(NormalizerTest, LossyRepairReplacesMaximalSubparts) {
  EXPECT_EQ(ToValidUtf8Lossy("plain"), "plain");
  EXPECT_EQ(ToValidUtf8Lossy("a\xFF"
                             "b"),
            "a\uFFFDb");
  // A truncated 3-byte sequence is one U+FFFD; the byte that breaks it starts over.
  EXPECT_EQ(ToValidUtf8Lossy("\xE4\xB8"
                             "a"),
            "\uFFFDa");
  EXPECT_EQ(ToValidUtf8Lossy("\xE4\xB8"), "\uFFFD");
  // Overlong and surrogate lead bytes: each byte on its own.
  EXPECT_EQ(ToValidUtf8Lossy("\xC0\xAF"), "\uFFFD\uFFFD");
  EXPECT_EQ(ToValidUtf8Lossy("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(ToValidUtf8Lossy("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(ToValidUtf8Lossy("\xF0\x9F\x98"), "\uFFFD");
  EXPECT_EQ(ToValidUtf8Lossy("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(NormalizerTest, Nfc) {
  EXPECT_EQ(NfcNormalize("e\xCC\x81"), "\xC3\xA9");                     // e + combining acute -> é
  EXPECT_EQ(NfcNormalize("\xE1\x84\x80\xE1\x85\xA1"), "\xEA\xB0\x80");  // Hangul jamo -> 가
  EXPECT_EQ(NfcNormalize("\xE2\x84\xAB"), "\xC3\x85");                  // Angstrom sign -> Å
  EXPECT_EQ(NfcNormalize("ascii only"), "ascii only");
  EXPECT_EQ(NfcNormalize(""), "");
}

}  // namespace
}  // namespace tracemill::text
