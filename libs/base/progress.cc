#include "libs/base/progress.h"

#include <unistd.h>

#include <cstdio>

#include "libs/base/str_cat.h"

namespace tracemill::base {
namespace {

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string FormatDuration(double s) {
  int total = static_cast<int>(s + 0.5);
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof(buf), "%dh%02dm", total / 3600, (total / 60) % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%dm%02ds", total / 60, total % 60);
  }
  return buf;
}

}  // namespace

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  return StrCat(u == 0 ? Fixed(bytes, 0) : Fixed(bytes, 1), " ", units[u]);
}

ProgressBar::ProgressBar(std::string label, uint64_t total, Unit unit, bool enabled)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (!finished_) Finish();
}

std::string ProgressBar::Render(uint64_t done, double elapsed_s) const {
  std::string amount =
      unit_ == Unit::kBytes ? FormatBytes(static_cast<double>(done)) : StrCat(done);
  std::string rate;
  if (elapsed_s > 0) {
    double per_s = static_cast<double>(done) / elapsed_s;
    rate = unit_ == Unit::kBytes ? StrCat(FormatBytes(per_s), "/s") : StrCat(Fixed(per_s, 1), "/s");
  }
  std::string line = StrCat(label_, " ");
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    constexpr int kWidth = 30;
    int filled = static_cast<int>(frac * kWidth);
    line += "[";
    line.append(filled, '#');
    line.append(kWidth - filled, '.');
    StrAppend(&line, "] ", Fixed(frac * 100, 1), "% ", amount, "/",
              unit_ == Unit::kBytes ? FormatBytes(static_cast<double>(total_)) : StrCat(total_));
    if (done > 0 && done < total_ && elapsed_s > 0) {
      double eta = elapsed_s * static_cast<double>(total_ - done) / static_cast<double>(done);
      StrAppend(&line, " eta ", FormatDuration(eta));
    }
  } else {
    line += amount;
  }
  if (!rate.empty()) StrAppend(&line, " ", rate);
  if (!suffix_.empty()) StrAppend(&line, " ", suffix_);
  return line;
}

void ProgressBar::Update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  auto since = now - last_draw_;
  if (since < (tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000))) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string line = Render(done, elapsed);
  std::fprintf(stderr, tty_ ? "\r%s\x1b[K" : "%s\n", line.c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  finished_ = true;
  if (!enabled_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, tty_ ? "\r%s\x1b[K\n" : "%s\n", Render(done_, elapsed).c_str());
  std::fflush(stderr);
}

}  // namespace tracemill::base
