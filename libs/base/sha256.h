// SHA-256 (FIPS 180-4). Content hashes for de-duplication and the Hub's LFS object ids.
// Not thread-safe per object; independent objects may be used concurrently.
#ifndef TRACEMILL_LIBS_BASE_SHA256_H_
#define TRACEMILL_LIBS_BASE_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tracemill::base {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  void Update(std::string_view data);
  Digest Finish();

  static Digest Hash(std::string_view data);
  static std::string Hex(const Digest& digest);

 private:
  void Block(const uint8_t* p);

  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_SHA256_H_
