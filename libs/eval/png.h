// A small RGB raster and its PNG encoding (8-bit truecolour, no interlace, filter 0,
// zlib-compressed IDAT, CRC-32 per chunk), enough for report charts.
// Not thread-safe; plain values.
#ifndef TRACEMILL_LIBS_EVAL_PNG_H_
#define TRACEMILL_LIBS_EVAL_PNG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill::eval {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

class Image {
 public:
  Image(int width, int height, Rgb background = {255, 255, 255});

  int width() const { return width_; }
  int height() const { return height_; }
  // Out-of-range pixels are ignored (Set) or black (Get).
  void Set(int x, int y, Rgb c);
  Rgb Get(int x, int y) const;
  // The rectangle [x0, x1) x [y0, y1), clipped.
  void FillRect(int x0, int y0, int x1, int y1, Rgb c);
  const std::vector<uint8_t>& pixels() const { return rgb_; }  // row-major RGB

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;
};

// The PNG file bytes.
std::string EncodePng(const Image& image);

// CRC-32 (ISO 3309, as PNG uses it) of `data`.
uint32_t Crc32(std::string_view data);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_PNG_H_
