#include "libs/eval/bar_chart.h"

#include <algorithm>
#include <cmath>

#include "libs/base/str_cat.h"
#include "libs/eval/bitmap_font.h"

namespace tracemill::eval {
namespace {

constexpr Rgb kInk{25, 25, 25};
constexpr Rgb kGrid{228, 228, 228};
constexpr Rgb kWhisker{20, 20, 20};
constexpr int kBarWidth = 30;
constexpr int kBarGap = 4;
constexpr int kGroupGap = 40;
constexpr int kGroupWidth = 2 * kBarWidth + kBarGap;
constexpr int kLeft = 60;
constexpr int kTop = 70;
constexpr int kRight = 20;
constexpr int kLabelLines = 4;

// Splits `label` into lines of at most `width` characters, at '_' or ' ' where possible.
std::vector<std::string> Wrap(const std::string& label, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t i = 0;
  while (i < label.size()) {
    size_t j = i;
    while (j < label.size() && label[j] != '_' && label[j] != ' ') ++j;
    const bool sep = j < label.size();
    std::string word = label.substr(i, j - i + (sep ? 1 : 0));
    if (sep && word.back() == ' ') word.pop_back();
    while (word.size() > width) {  // a word longer than a line is cut
      if (!line.empty()) lines.push_back(std::move(line)), line.clear();
      lines.push_back(word.substr(0, width));
      word.erase(0, width);
    }
    if (line.size() + word.size() > width && !line.empty()) {
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty() && line.back() != '_') line.push_back(' ');
    line += word;
    i = j + 1;
  }
  if (!line.empty()) lines.push_back(std::move(line));
  if (lines.size() > kLabelLines) lines.resize(kLabelLines);
  return lines;
}

int YOf(double rate, int base_y, int plot_h) {
  rate = std::clamp(rate, 0.0, 1.0);
  return base_y - static_cast<int>(std::lround(rate * plot_h));
}

void DrawBar(Image* img, int x, int base_y, int plot_h, const BarValue& v, Rgb color) {
  const int top = YOf(v.rate, base_y, plot_h);
  img->FillRect(x, top, x + kBarWidth, base_y, color);
  // The whisker: the interval as a vertical line with caps.
  const int cx = x + kBarWidth / 2;
  const int lo = YOf(v.ci.low, base_y, plot_h), hi = YOf(v.ci.high, base_y, plot_h);
  img->FillRect(cx, hi, cx + 1, lo + 1, kWhisker);
  img->FillRect(cx - 5, hi, cx + 6, hi + 1, kWhisker);
  img->FillRect(cx - 5, lo, cx + 6, lo + 1, kWhisker);
  const std::string text = base::StrCat(static_cast<int>(std::lround(v.rate * 100)), "%");
  DrawText(img, x + (kBarWidth - TextWidth(text)) / 2, std::min(top, hi) - 10, text, kInk);
}

}  // namespace

Image RenderBarChart(const std::vector<BarGroup>& groups, const BarChartOptions& options) {
  const int plot_h = std::max(50, options.plot_height);
  const int n = static_cast<int>(groups.size());
  const int plot_w = std::max(1, n) * (kGroupWidth + kGroupGap);
  const int label_h = kLabelLines * 10 + 16;
  const int legend_w = 16 + TextWidth(options.baseline_label) + 24 + 16 + TextWidth(options.candidate_label);
  const int width = std::max({kLeft + plot_w + kRight, kLeft + TextWidth(options.title, 2) + kRight,
                              kLeft + legend_w + kRight});
  const int height = kTop + plot_h + label_h;
  Image img(width, height);
  const int base_y = kTop + plot_h;

  DrawText(&img, kLeft, 12, options.title, kInk, 2);
  // Legend.
  int lx = kLeft;
  for (const auto& [name, color] : {std::pair{options.baseline_label, kBaselineColor},
                                    std::pair{options.candidate_label, kCandidateColor}}) {
    img.FillRect(lx, 38, lx + 12, 50, color);
    DrawText(&img, lx + 16, 41, name, kInk);
    lx += 16 + TextWidth(name) + 24;
  }
  // Axis, grid and ticks every 20%.
  for (int pct = 0; pct <= 100; pct += 20) {
    const int y = YOf(pct / 100.0, base_y, plot_h);
    if (pct > 0) img.FillRect(kLeft + 1, y, kLeft + plot_w, y + 1, kGrid);
    const std::string t = base::StrCat(pct, "%");
    DrawText(&img, kLeft - 8 - TextWidth(t), y - 3, t, kInk);
    img.FillRect(kLeft - 4, y, kLeft, y + 1, kInk);
  }
  img.FillRect(kLeft, kTop - 6, kLeft + 1, base_y + 1, kInk);
  img.FillRect(kLeft, base_y, kLeft + plot_w, base_y + 1, kInk);

  for (int g = 0; g < n; ++g) {
    const BarGroup& group = groups[static_cast<size_t>(g)];
    const int x = kLeft + kGroupGap / 2 + g * (kGroupWidth + kGroupGap);
    if (group.baseline) DrawBar(&img, x, base_y, plot_h, *group.baseline, kBaselineColor);
    if (group.candidate) DrawBar(&img, x + kBarWidth + kBarGap, base_y, plot_h, *group.candidate, kCandidateColor);
    const auto lines = Wrap(group.label, static_cast<size_t>((kGroupWidth + kGroupGap - 4) / kGlyphAdvance));
    int y = base_y + 8;
    for (const std::string& line : lines) {
      DrawText(&img, x + (kGroupWidth - TextWidth(line)) / 2, y, line, kInk);
      y += 10;
    }
  }
  return img;
}

}  // namespace tracemill::eval
