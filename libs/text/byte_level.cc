#include "libs/text/byte_level.h"

#include <array>

namespace tracemill::text {
namespace {

struct Tables {
  std::array<char32_t, 256> byte_to_cp;
  std::array<int16_t, 512> cp_to_byte;  // every code point of the alphabet is < 512
  std::array<std::string, 256> byte_to_utf8;
};

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else {  // the alphabet stays below U+0800
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// GPT-2's bytes_to_unicode(): bytes in '!'..'~', '¡'..'¬', '®'..'ÿ' keep their value;
// the others get 256, 257, ... in byte order.
Tables MakeTables() {
  Tables t;
  t.cp_to_byte.fill(-1);
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    char32_t cp = keep ? static_cast<char32_t>(b) : next++;
    t.byte_to_cp[b] = cp;
    t.cp_to_byte[cp] = static_cast<int16_t>(b);
    AppendUtf8(cp, &t.byte_to_utf8[b]);
  }
  return t;
}

const Tables& GetTables() {
  static const Tables* tables = new Tables(MakeTables());
  return *tables;
}

}  // namespace

char32_t ByteToCodePoint(uint8_t byte) { return GetTables().byte_to_cp[byte]; }

int CodePointToByte(char32_t cp) { return cp < 512 ? GetTables().cp_to_byte[cp] : -1; }

std::string BytesToByteLevel(std::string_view bytes) {
  const Tables& t = GetTables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out.append(t.byte_to_utf8[b]);
  return out;
}

bool AppendByteLevelBytes(std::string_view token, std::string* out) {
  const Tables& t = GetTables();
  size_t start = out->size();
  for (size_t i = 0; i < token.size();) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    char32_t cp;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < token.size()) {
      cp = (static_cast<char32_t>(c & 0x1F) << 6) |
           (static_cast<unsigned char>(token[i + 1]) & 0x3F);
      i += 2;
    } else {
      cp = 0xFFFFFFFF;  // three- and four-byte characters are never in the alphabet
    }
    int b = cp < 512 ? t.cp_to_byte[cp] : -1;
    if (b < 0) {
      out->resize(start);
      out->append(token);
      return false;
    }
    out->push_back(static_cast<char>(b));
  }
  return true;
}

}  // namespace tracemill::text
