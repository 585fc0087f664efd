#include "libs/eval/png.h"

#include <array>

#include <zlib.h>

namespace tracemill::eval {
namespace {

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[n] = c;
  }
  return t;
}

void PutU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void Chunk(std::string* out, std::string_view type, std::string_view data) {
  PutU32(out, static_cast<uint32_t>(data.size()));
  std::string body(type);
  body.append(data);
  out->append(body);
  PutU32(out, Crc32(body));
}

}  // namespace

uint32_t Crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = MakeCrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

Image::Image(int width, int height, Rgb background)
    : width_(width < 1 ? 1 : width), height_(height < 1 ? 1 : height),
      rgb_(static_cast<size_t>(width_) * static_cast<size_t>(height_) * 3) {
  FillRect(0, 0, width_, height_, background);
}

void Image::Set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  rgb_[i] = c.r;
  rgb_[i + 1] = c.g;
  rgb_[i + 2] = c.b;
}

Rgb Image::Get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return {};
  const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Image::FillRect(int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = y0 < 0 ? 0 : y0; y < y1 && y < height_; ++y) {
    for (int x = x0 < 0 ? 0 : x0; x < x1 && x < width_; ++x) Set(x, y, c);
  }
}

std::string EncodePng(const Image& image) {
  const size_t row = static_cast<size_t>(image.width()) * 3;
  std::string raw;
  raw.reserve((row + 1) * static_cast<size_t>(image.height()));
  const auto* px = reinterpret_cast<const char*>(image.pixels().data());
  for (int y = 0; y < image.height(); ++y) {
    raw.push_back(0);  // filter type None
    raw.append(px + row * static_cast<size_t>(y), row);
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string z(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK) {
    return "";  // only on out-of-memory
  }
  z.resize(size);

  std::string out = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  PutU32(&ihdr, static_cast<uint32_t>(image.width()));
  PutU32(&ihdr, static_cast<uint32_t>(image.height()));
  ihdr.append({8, 2, 0, 0, 0});  // 8-bit, truecolour, deflate, filter 0, no interlace
  Chunk(&out, "IHDR", ihdr);
  Chunk(&out, "IDAT", z);
  Chunk(&out, "IEND", "");
  return out;
}

}  // namespace tracemill::eval
