// GPT-2 byte-level alphabet: the 256 bytes mapped to printable code points.
//
// Byte-level BPE vocabularies (GPT-2, Qwen, Llama 3) spell every token in this alphabet:
// printable Latin-1 bytes map to themselves and the rest to U+0100 onwards ("Ġ" is the
// space byte, "Ċ" the newline). Plain functions over constant tables; thread-safe.
#ifndef TRACEMILL_LIBS_TEXT_BYTE_LEVEL_H_
#define TRACEMILL_LIBS_TEXT_BYTE_LEVEL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tracemill::text {

// The code point that stands for `byte`.
char32_t ByteToCodePoint(uint8_t byte);

// The byte that code point `cp` stands for, or -1 if `cp` is not in the alphabet.
int CodePointToByte(char32_t cp);

// The UTF-8 spelling of `bytes` in the byte-level alphabet (each byte becomes one
// code point of one or two UTF-8 bytes).
std::string BytesToByteLevel(std::string_view bytes);

// Appends the bytes that the byte-level text `token` stands for. If some character of
// `token` is outside the alphabet (added tokens such as "<|im_start|>" are not), the
// raw UTF-8 of the whole token is appended instead, as Hugging Face's ByteLevel decoder
// does. Returns false in that case.
bool AppendByteLevelBytes(std::string_view token, std::string* out);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_BYTE_LEVEL_H_
