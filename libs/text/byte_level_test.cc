#include "libs/text/byte_level.h"

#include <string>

#include "gtest/gtest.h"

namespace tracemill::text {
namespace {

TEST(ByteLevelTest, Gpt2Alphabet) {
  EXPECT_EQ(BytesToByteLevel(" "), "Ġ");
  EXPECT_EQ(BytesToByteLevel("\n"), "Ċ");
  EXPECT_EQ(BytesToByteLevel("a!~"), "a!~");
  EXPECT_EQ(ByteToCodePoint(0), 256u);
  EXPECT_EQ(ByteToCodePoint(0xAD), 323u);  // soft hyphen is remapped
  EXPECT_EQ(ByteToCodePoint(0xFF), 0xFFu);
  EXPECT_EQ(CodePointToByte(U'Ġ'), ' ');
  EXPECT_EQ(CodePointToByte(0x4E00), -1);
}

TEST(ByteLevelTest, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string back;
  EXPECT_TRUE(AppendByteLevelBytes(BytesToByteLevel(all), &back));
  EXPECT_EQ(back, all);
}

TEST(ByteLevelTest, TokenOutsideAlphabetIsCopiedWhole) {
  std::string out = "x";
  EXPECT_FALSE(AppendByteLevelBytes("ab\xE4\xB8\x80", &out));  // "ab一"
  EXPECT_EQ(out, "xab\xE4\xB8\x80");
  out.clear();
  EXPECT_TRUE(AppendByteLevelBytes("<|im_start|>", &out));
  EXPECT_EQ(out, "<|im_start|>");
}

}  // namespace
}  // namespace tracemill::text
