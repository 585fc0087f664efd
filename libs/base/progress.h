// A progress bar for long jobs, drawn on stderr.
//
// On a terminal it redraws one line (bar, percent, rate, ETA) at most 10 times a second;
// elsewhere (CI logs, pipes) it prints a plain line at most every 10 seconds, so logs stay
// short. Update() is cheap enough to call per record. Not thread-safe.
#ifndef TRACEMILL_LIBS_BASE_PROGRESS_H_
#define TRACEMILL_LIBS_BASE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace tracemill::base {

class ProgressBar {
 public:
  enum class Unit { kCount, kBytes };

  // `total` 0 means unknown (no percent or ETA). `enabled` false draws nothing.
  ProgressBar(std::string label, uint64_t total, Unit unit = Unit::kCount, bool enabled = true);
  ~ProgressBar();

  void Update(uint64_t done);
  void SetTotal(uint64_t total) { total_ = total; }
  // Text shown after the rate, e.g. "loss 1.23 lr 2e-4 1.2k tok/s".
  void SetSuffix(std::string suffix) { suffix_ = std::move(suffix); }
  // Draws the final state and ends the line.
  void Finish();

  // The line as it would be drawn now (for tests).
  std::string Render(uint64_t done, double elapsed_s) const;

 private:
  std::string label_;
  std::string suffix_;
  uint64_t total_;
  Unit unit_;
  bool enabled_;
  bool tty_;
  bool finished_ = false;
  uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1.5 MB", "312 B", "4.0 GB".
std::string FormatBytes(double bytes);

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_PROGRESS_H_
