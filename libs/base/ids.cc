#include "libs/base/ids.h"

#include <chrono>
#include <mutex>
#include <random>

namespace tracemill::base {

std::string UuidV7(uint64_t unix_ms, uint64_t rand_hi, uint64_t rand_lo) {
  uint8_t b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(unix_ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((rand_hi >> 8) & 0x0F));  // version 7
  b[7] = static_cast<uint8_t>(rand_hi);
  b[8] = static_cast<uint8_t>(0x80 | ((rand_lo >> 56) & 0x3F));  // variant 10
  for (int i = 9; i < 16; ++i) b[i] = static_cast<uint8_t>(rand_lo >> (8 * (15 - i)));
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

std::string NewId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> lock(mu);
    hi = rng();
    lo = rng();
  }
  return UuidV7(ms, hi, lo);
}

std::string DerivedId(std::string_view key) {
  // Two FNV-1a passes with different offsets, each finished with splitmix64's mixer.
  auto hash = [&](uint64_t h) {
    for (unsigned char c : key) h = (h ^ c) * 0x100000001B3ull;
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 31);
  };
  std::string id = UuidV7(hash(0xCBF29CE484222325ull) >> 16, hash(0x84222325CBF29CE4ull), hash(0x9E3779B97F4A7C15ull));
  id[14] = '8';  // version 8: not a time
  return id;
}

bool LooksLikeUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace tracemill::base
