#include "libs/eval/report.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/eval/bar_chart.h"
#include "libs/eval/bitmap_font.h"
#include "libs/eval/png.h"

namespace tracemill::eval {
namespace {

uint32_t U32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// A strict decoder for what EncodePng writes: checks the signature, every chunk's CRC
// (with zlib's crc32, not ours), IHDR, and inflates IDAT. Fails the test on any fault.
struct Decoded {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  std::vector<std::string> chunks;
  Rgb At(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

void Decode(const std::string& png, Decoded* out) {
  ASSERT_GE(png.size(), 8u);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::string idat;
  size_t at = 8;
  while (at < png.size()) {
    ASSERT_LE(at + 12, png.size());
    const uint32_t len = U32(png, at);
    ASSERT_LE(at + 12 + len, png.size());
    const std::string type = png.substr(at + 4, 4);
    const std::string data = png.substr(at + 8, len);
    const uint32_t crc = U32(png, at + 8 + len);
    const uLong want = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(png.data() + at + 4), len + 4);
    ASSERT_EQ(crc, static_cast<uint32_t>(want)) << "bad CRC in " << type;
    out->chunks.push_back(type);
    if (type == "IHDR") {
      ASSERT_EQ(len, 13u);
      out->width = static_cast<int>(U32(data, 0));
      out->height = static_cast<int>(U32(data, 4));
      ASSERT_EQ(data[8], 8);  // bit depth
      ASSERT_EQ(data[9], 2);  // truecolour
    } else if (type == "IDAT") {
      idat += data;
    }
    at += 12 + len;
  }
  ASSERT_EQ(at, png.size());
  ASSERT_GT(out->width, 0);
  const size_t row = static_cast<size_t>(out->width) * 3 + 1;
  std::vector<uint8_t> raw(row * static_cast<size_t>(out->height));
  uLongf raw_len = static_cast<uLongf>(raw.size());
  ASSERT_EQ(uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()), Z_OK);
  ASSERT_EQ(raw_len, raw.size());
  for (int y = 0; y < out->height; ++y) {
    ASSERT_EQ(raw[row * static_cast<size_t>(y)], 0) << "filter type of row " << y;
    out->rgb.insert(out->rgb.end(), raw.begin() + static_cast<long>(row * static_cast<size_t>(y) + 1),
                    raw.begin() + static_cast<long>(row * static_cast<size_t>(y + 1)));
  }
}

// Bars of `color`, left to right: the tallest column (pixel count) of each run of
// columns at least 20 wide (the legend swatch is narrower).
std::vector<int> BarHeights(const Decoded& d, Rgb color) {
  std::vector<int> heights;
  int run = 0, tallest = 0;
  for (int x = 0; x <= d.width; ++x) {
    int n = 0;
    for (int y = 0; x < d.width && y < d.height; ++y) n += d.At(x, y) == color ? 1 : 0;
    if (n > 0) {
      ++run;
      tallest = std::max(tallest, n);
    } else {
      if (run >= 20) heights.push_back(tallest);
      run = 0;
      tallest = 0;
    }
  }
  return heights;
}

Report SampleReport() {
  Report r;
  r.kind = "next-turn";
  r.settings = {{"data", "ds"}, {"endpoint", "http://x/v1"}};
  r.baseline = {"baseline", "base", {{"exact_match", "same turn", {25, 100}}, {"decision_accuracy", "kind", {50, 100}}},
                {{"rows", 100}}};
  r.candidate = {"candidate", "base:adapter",
                 {{"exact_match", "same turn", {100, 100}}, {"decision_accuracy", "kind", {75, 100}}},
                 {{"rows", 100}}};
  return r;
}

TEST(PngTest, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

TEST(PngTest, EncodesPixelsThatDecodeBack) {
  Image img(7, 5, {1, 2, 3});
  img.Set(6, 4, {200, 100, 50});
  img.FillRect(1, 1, 3, 2, {9, 9, 9});
  img.Set(100, 100, {1, 1, 1});  // clipped, not a crash
  Decoded d;
  Decode(EncodePng(img), &d);
  ASSERT_FALSE(testing::Test::HasFatalFailure());
  EXPECT_EQ(d.width, 7);
  EXPECT_EQ(d.height, 5);
  EXPECT_EQ(d.chunks, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  EXPECT_EQ(d.At(0, 0), (Rgb{1, 2, 3}));
  EXPECT_EQ(d.At(6, 4), (Rgb{200, 100, 50}));
  EXPECT_EQ(d.At(2, 1), (Rgb{9, 9, 9}));
  EXPECT_EQ(d.At(3, 1), (Rgb{1, 2, 3}));
}

TEST(BitmapFontTest, DrawsGlyphs) {
  EXPECT_TRUE(GlyphPixel('I', 2, 0));
  EXPECT_FALSE(GlyphPixel('I', 0, 3));
  EXPECT_TRUE(GlyphPixel('a', 0, 3));  // lower case draws as capitals
  EXPECT_TRUE(GlyphPixel('\x01', 0, 0));  // unknown: a box
  EXPECT_EQ(TextWidth("AB"), 11);
  EXPECT_EQ(TextWidth("AB", 2), 22);
  Image img(20, 10);
  DrawText(&img, 0, 0, "-", {0, 0, 0});
  EXPECT_EQ(img.Get(0, 3), (Rgb{0, 0, 0}));
  EXPECT_EQ(img.Get(0, 0), (Rgb{255, 255, 255}));
}

TEST(ReportTest, ChartBarsHaveTheRightRelativeHeights) {
  Decoded d;
  Decode(ReportChartPng(SampleReport()), &d);
  ASSERT_FALSE(testing::Test::HasFatalFailure());
  const std::vector<int> base = BarHeights(d, kBaselineColor);
  const std::vector<int> cand = BarHeights(d, kCandidateColor);
  ASSERT_EQ(base.size(), 2u);
  ASSERT_EQ(cand.size(), 2u);
  // exact_match: 25% vs 100%; decision_accuracy: 50% vs 75%.
  EXPECT_NEAR(static_cast<double>(cand[0]) / base[0], 4.0, 0.1);
  EXPECT_NEAR(static_cast<double>(base[1]) / base[0], 2.0, 0.05);
  EXPECT_NEAR(static_cast<double>(cand[1]) / base[0], 3.0, 0.1);
  EXPECT_EQ(cand[0], 300);  // the default plot height is 100%
  // Labels and whiskers are drawn in dark ink.
  int dark = 0;
  for (int y = 0; y < d.height; ++y) {
    for (int x = 0; x < d.width; ++x) dark += d.At(x, y).r < 60 ? 1 : 0;
  }
  EXPECT_GT(dark, 500);
}

TEST(ReportTest, MissingAndEmptyMetricsStillDraw) {
  Report r = SampleReport();
  r.candidate.metrics.pop_back();
  r.candidate.metrics.push_back({"only_candidate", "", {0, 0}});
  Decoded d;
  Decode(ReportChartPng(r), &d);
  ASSERT_FALSE(testing::Test::HasFatalFailure());
  EXPECT_EQ(BarHeights(d, kBaselineColor).size(), 2u);
  const Json j = ReportToJson(r);
  ASSERT_EQ(j["metrics"].size(), 3u);
  EXPECT_TRUE(j["metrics"][1]["candidate"].is_null());
  EXPECT_TRUE(j["metrics"][1]["delta"].is_null());
  EXPECT_EQ(j["metrics"][2]["name"], "only_candidate");
  const std::string md = ReportToMarkdown(r);
  EXPECT_NE(md.find("| decision_accuracy | 50.0% [40.4, 59.6] (50/100) | n/a | n/a |"), std::string::npos) << md;
}

TEST(ReportTest, JsonAndMarkdownCarryEveryMetricAndTheSettings) {
  const Report r = SampleReport();
  const Json j = ReportToJson(r);
  EXPECT_EQ(j["kind"], "next-turn");
  EXPECT_EQ(j["settings"]["data"], "ds");
  EXPECT_EQ(j["baseline"]["model"], "base");
  EXPECT_EQ(j["candidate"]["details"]["rows"], 100);
  ASSERT_EQ(j["metrics"].size(), 2u);
  const Json& m = j["metrics"][0];
  EXPECT_EQ(m["name"], "exact_match");
  EXPECT_EQ(m["baseline"]["count"], 25);
  EXPECT_EQ(m["candidate"]["n"], 100);
  EXPECT_NEAR(m["delta"]["value"].get<double>(), 0.75, 1e-12);
  EXPECT_GT(m["delta"]["ci95"][0].get<double>(), 0.6);

  const std::string md = ReportToMarkdown(r);
  EXPECT_NE(md.find("| metric | baseline | candidate | delta |"), std::string::npos) << md;
  EXPECT_NE(md.find("| exact_match | 25.0% [17.5, 34.3] (25/100) | 100.0% [96.3, 100.0] (100/100) | +75.0 pp ["),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("`base:adapter`"), std::string::npos);
  EXPECT_NE(md.find("- endpoint: `http://x/v1`"), std::string::npos) << md;
}

TEST(ReportTest, WritesTheThreeFiles) {
  const std::string dir = base::FreshTestDir() + "/report";
  ASSERT_TRUE(WriteReport(SampleReport(), dir).ok());
  for (const char* name : {"report.json", "report.md", "report.png"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + name)) << name;
  }
  auto json = base::ReadFile(dir + "/report.json");
  ASSERT_TRUE(json.ok());
  auto parsed = base::ParseJson(*json, "report.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["metrics"].size(), 2u);
  // An independent decoder, where one is installed.
  if (std::filesystem::exists("/usr/bin/python3")) {
    const std::string cmd =
        "/usr/bin/python3 -c \"import sys,zlib,struct\n"
        "d=open(sys.argv[1],'rb').read(); assert d[:8]==b'\\x89PNG\\r\\n\\x1a\\n'; i=8; idat=b''\n"
        "while i<len(d):\n"
        "  n,=struct.unpack('>I',d[i:i+4]); t=d[i+4:i+8]; c=d[i+8:i+8+n]\n"
        "  assert struct.unpack('>I',d[i+8+n:i+12+n])[0]==zlib.crc32(t+c)\n"
        "  if t==b'IHDR': w,h=struct.unpack('>II',c[:8])\n"
        "  if t==b'IDAT': idat+=c\n"
        "  i+=12+n\n"
        "assert len(zlib.decompress(idat))==h*(3*w+1); print('ok')\" " +
        dir + "/report.png";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[16] = {0};
    const size_t n = fread(buf, 1, sizeof(buf) - 1, p);
    EXPECT_EQ(pclose(p), 0);
    EXPECT_EQ(std::string(buf, n), "ok\n");
  }
}

}  // namespace
}  // namespace tracemill::eval
