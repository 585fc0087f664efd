// A tiny built-in 5x7 bitmap font for chart labels: digits, capital letters (lower case
// is drawn as capitals) and common punctuation; any other byte draws as a hollow box.
// Each glyph advances 6 pixels (times `scale`). Thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_BITMAP_FONT_H_
#define TRACEMILL_LIBS_EVAL_BITMAP_FONT_H_

#include <string_view>

#include "libs/eval/png.h"

namespace tracemill::eval {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr int kGlyphAdvance = 6;

// Draws `text` with its top-left corner at (x, y).
void DrawText(Image* image, int x, int y, std::string_view text, Rgb color, int scale = 1);
// Width in pixels of `text` as DrawText draws it (no trailing gap).
int TextWidth(std::string_view text, int scale = 1);
// Whether the glyph of `c` has pixel (col, row) set; col < 5, row < 7.
bool GlyphPixel(char c, int col, int row);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_BITMAP_FONT_H_
