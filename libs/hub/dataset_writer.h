// Writes a dataset directory in Hugging Face layout:
//
//   <dir>/data/<split>-00000-of-0000N.jsonl   one JSON row per line; N = that split's
//   <dir>/data/<split>-00001-of-0000N.jsonl   shard count, 5-digit zero-padded, as
//   ...                                       `datasets` names shards
//   <dir>/README.md                           the dataset card (dataset_card.h)
//
// Rows are appended as they come; memory stays bounded by one open shard per split. A
// shard is written to a temporary file (base::AtomicFileWriter: temp + fsync + rename);
// a full shard is committed to a hidden pending name (`data/.<split>-00000.jsonl.pending`)
// and renamed to its final name at Close(), when the count is known. A crash therefore
// never leaves a half shard, nor a shard of the new run, under a final name. Close()
// renames the new shards, removes shards of earlier runs in <dir>/data that are not part of
// this one (files named `<split>-NNNNN-of-NNNNN.jsonl`, and leftover pending and
// temporary shard files), then writes README.md last. A crash inside Close() can leave
// old and new shards side by side; rerunning repairs it. Other files in <dir> are left
// alone. Destroying a writer without Close() removes the new shards and keeps the
// previous dataset as it was.
//
// One writer per directory at a time. Not thread-safe.
#ifndef TRACEMILL_LIBS_HUB_DATASET_WRITER_H_
#define TRACEMILL_LIBS_HUB_DATASET_WRITER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/hub/dataset_card.h"

namespace tracemill::base {
class AtomicFileWriter;
}  // namespace tracemill::base

namespace tracemill::hub {

struct DatasetWriterOptions {
  // A shard is closed before a row would take it past this many bytes; a row larger than
  // the limit gets a shard of its own. 0 = no limit.
  uint64_t max_shard_bytes = 256ull << 20;
  // At most this many rows per shard; 0 = no limit.
  int64_t max_shard_rows = 0;
};

// True if `split` is a valid split name: [A-Za-z0-9_]+ (`datasets` forbids '-').
bool IsValidSplitName(std::string_view split);

class DatasetWriter {
 public:
  // Creates <dir>/data if needed. InvalidArgument for an empty dir.
  static absl::StatusOr<std::unique_ptr<DatasetWriter>> Open(const std::string& dir,
                                                             const DatasetWriterOptions& options);
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // Appends `row` (a JSON object, written compact on one line) to `split`.
  // InvalidArgument for a bad split name or a row that is not an object;
  // FailedPrecondition after Close() or after an earlier write error.
  absl::Status Write(std::string_view split, const Json& row);
  // Like Write, for a row already encoded as one line of compact JSON (no newline); the
  // caller vouches that it is a JSON object.
  absl::Status WriteLine(std::string_view split, std::string_view json_object);

  // Renames the shards to their final names (the count is known only now), removes
  // older shards of a previous run in <dir>/data that are not part of this one, and
  // writes README.md from `card`, with its rows_per_split and shards_per_split replaced
  // by what this writer wrote. Call once; the writer accepts nothing afterwards.
  absl::Status Close(const DatasetCardInfo& card);

  // Rows written so far, by split.
  const std::map<std::string, int64_t>& rows_per_split() const { return rows_; }
  // Shards written so far, by split (the open one included).
  std::map<std::string, int> shards_per_split() const;
  // The final shard paths, by split, once Close() succeeded.
  const std::map<std::string, std::vector<std::string>>& shard_paths() const {
    return final_paths_;
  }

 private:
  struct SplitState {
    std::unique_ptr<base::AtomicFileWriter> open;  // the shard being written, or null
    int64_t open_rows = 0;
    std::vector<std::string> pending;  // committed shards, in order
  };

  DatasetWriter(std::string dir, const DatasetWriterOptions& options);
  absl::Status StartShard(const std::string& split, SplitState* state);
  absl::Status FinishShard(SplitState* state);
  absl::Status RemoveStaleFiles(const std::vector<std::string>& keep);
  void RemovePending();

  const std::string dir_;
  const std::string data_dir_;
  const DatasetWriterOptions options_;
  std::map<std::string, SplitState> splits_;
  std::map<std::string, int64_t> rows_;
  std::map<std::string, std::vector<std::string>> final_paths_;
  bool closed_ = false;
  absl::Status error_;  // the first write error; the writer refuses rows after one
  std::string line_;    // scratch buffer for WriteLine
};

}  // namespace tracemill::hub

#endif  // TRACEMILL_LIBS_HUB_DATASET_WRITER_H_
