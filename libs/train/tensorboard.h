// TensorBoard event files: scalar summaries that TensorBoard (and tf.summary readers)
// read, written without TensorFlow or protobuf.
//
// File: DIR/events.out.tfevents.<unix seconds>.<hostname>. Records use TFRecord framing
// — u64 length, u32 masked CRC32C of the length, the bytes, u32 masked CRC32C of the
// bytes (mask: rotate right 15, add 0xa282ead8) — and hold `Event` protos: first
// {wall_time, file_version: "brain.Event:2"}, then {wall_time, step, summary: {value:
// [{tag, simple_value}]}}. Each record is flushed, so a crash loses nothing written.
// Not thread-safe.
#ifndef TRACEMILL_LIBS_TRAIN_TENSORBOARD_H_
#define TRACEMILL_LIBS_TRAIN_TENSORBOARD_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tracemill::train {

// CRC-32C (Castagnoli) of `data`, and TFRecord's masked form.
uint32_t Crc32c(std::string_view data);
uint32_t MaskedCrc32c(std::string_view data);

// The serialized Event proto of one scalar.
std::string ScalarEvent(double wall_time, int64_t step, std::string_view tag, float value);
// One TFRecord around `data`.
std::string TfRecord(std::string_view data);

class TensorBoardWriter {
 public:
  // Creates DIR (if needed) and a new event file in it.
  static absl::StatusOr<std::unique_ptr<TensorBoardWriter>> Open(const std::string& dir);
  ~TensorBoardWriter();

  absl::Status AddScalar(std::string_view tag, float value, int64_t step);
  const std::string& path() const { return path_; }

 private:
  TensorBoardWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  absl::Status Write(std::string_view record);
  std::string path_;
  std::FILE* file_;
};

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_TENSORBOARD_H_
