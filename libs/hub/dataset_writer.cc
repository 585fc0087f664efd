#include "libs/hub/dataset_writer.h"

#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::hub {
namespace {

namespace fs = std::filesystem;

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string Index5(int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%05lld", static_cast<long long>(n));
  return buf;
}

// `<split>-NNNNN-of-NNNNN.jsonl`, the final name of a shard of any run.
bool IsShardName(std::string_view name) {
  constexpr std::string_view kExt = ".jsonl";
  if (name.size() <= kExt.size() || !name.ends_with(kExt)) return false;
  name.remove_suffix(kExt.size());
  size_t of = name.rfind("-of-");
  if (of == std::string_view::npos || !IsDigits(name.substr(of + 4))) return false;
  name = name.substr(0, of);
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || !IsDigits(name.substr(dash + 1))) return false;
  return IsValidSplitName(name.substr(0, dash));
}

// A pending shard of this writer or a crashed one, or a temporary file of either.
bool IsLeftoverName(std::string_view name) {
  return name.starts_with(".") &&
         (name.ends_with(".jsonl.pending") ||
          (name.find(".jsonl.pending.") != std::string_view::npos && name.ends_with(".tmp")));
}

}  // namespace

bool IsValidSplitName(std::string_view split) {
  if (split.empty()) return false;
  for (char c : split) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

DatasetWriter::DatasetWriter(std::string dir, const DatasetWriterOptions& options)
    : dir_(std::move(dir)), data_dir_(dir_ + "/data"), options_(options) {}

DatasetWriter::~DatasetWriter() {
  if (!closed_) RemovePending();
}

absl::StatusOr<std::unique_ptr<DatasetWriter>> DatasetWriter::Open(
    const std::string& dir, const DatasetWriterOptions& options) {
  if (dir.empty()) return absl::InvalidArgumentError("dataset writer: empty directory");
  std::unique_ptr<DatasetWriter> writer(new DatasetWriter(dir, options));
  TM_RETURN_IF_ERROR(base::MakeDirs(writer->data_dir_));
  return writer;
}

std::map<std::string, int> DatasetWriter::shards_per_split() const {
  std::map<std::string, int> out;
  for (const auto& [split, state] : splits_) {
    int n = static_cast<int>(state.pending.size()) + (state.open ? 1 : 0);
    if (n > 0) out[split] = n;
  }
  return out;
}

absl::Status DatasetWriter::StartShard(const std::string& split, SplitState* state) {
  std::string pending =
      base::StrCat(data_dir_, "/.", split, "-", Index5(static_cast<int64_t>(state->pending.size())),
                   ".jsonl.pending");
  TM_ASSIGN_OR_RETURN(state->open, base::AtomicFileWriter::Open(pending));
  state->open_rows = 0;
  return absl::OkStatus();
}

absl::Status DatasetWriter::FinishShard(SplitState* state) {
  std::unique_ptr<base::AtomicFileWriter> shard = std::move(state->open);
  std::string path = shard->path();
  TM_RETURN_IF_ERROR(shard->Commit());
  state->pending.push_back(std::move(path));
  return absl::OkStatus();
}

absl::Status DatasetWriter::Write(std::string_view split, const Json& row) {
  if (!row.is_object()) {
    return absl::InvalidArgumentError(base::StrCat("dataset writer: row for split ", split,
                                                   " is a JSON ", base::JsonTypeName(row),
                                                   ", not an object"));
  }
  return WriteLine(split, base::DumpJson(row));
}

absl::Status DatasetWriter::WriteLine(std::string_view split, std::string_view json_object) {
  if (closed_) return absl::FailedPreconditionError("dataset writer: already closed");
  if (!error_.ok()) {
    return absl::FailedPreconditionError(
        base::StrCat("dataset writer: an earlier write failed: ", std::string(error_.message())));
  }
  if (!IsValidSplitName(split)) {
    return absl::InvalidArgumentError(
        base::StrCat("dataset writer: invalid split name \"", split,
                     "\" (use letters, digits and '_'; '-' is not allowed)"));
  }
  line_.assign(json_object.data(), json_object.size());
  line_ += '\n';
  const std::string& line = line_;

  const std::string split_name(split);
  SplitState& state = splits_[split_name];
  absl::Status status;
  if (state.open) {
    bool full_rows = options_.max_shard_rows > 0 && state.open_rows >= options_.max_shard_rows;
    uint64_t bytes = state.open->bytes_written();
    bool full_bytes =
        options_.max_shard_bytes > 0 && bytes > 0 && bytes + line.size() > options_.max_shard_bytes;
    if (full_rows || full_bytes) status = FinishShard(&state);
  }
  if (status.ok() && !state.open) status = StartShard(split_name, &state);
  if (status.ok()) status = state.open->Append(line);
  if (!status.ok()) {
    error_ = status;
    return status;
  }
  ++state.open_rows;
  ++rows_[split_name];
  return absl::OkStatus();
}

absl::Status DatasetWriter::Close(const DatasetCardInfo& card) {
  if (closed_) return absl::FailedPreconditionError("dataset writer: already closed");
  closed_ = true;
  absl::Status status = error_;
  for (auto& [split, state] : splits_) {
    if (status.ok() && state.open) status = FinishShard(&state);
  }
  DatasetCardInfo info = card;
  info.rows_per_split = rows_;
  info.shards_per_split.clear();
  std::vector<std::string> keep;
  for (auto& [split, state] : splits_) {
    if (!status.ok()) break;
    const int n = static_cast<int>(state.pending.size());
    if (n == 0) continue;
    info.shards_per_split[split] = n;
    std::vector<std::string>& finals = final_paths_[split];
    for (int i = 0; i < n && status.ok(); ++i) {
      std::string name = base::StrCat(split, "-", Index5(i), "-of-", Index5(n), ".jsonl");
      std::string final_path = base::StrCat(data_dir_, "/", name);
      if (std::rename(state.pending[i].c_str(), final_path.c_str()) != 0) {
        status = absl::InternalError(
            base::StrCat("dataset writer: cannot rename ", state.pending[i], " to ", final_path));
        break;
      }
      state.pending[i].clear();
      finals.push_back(std::move(final_path));
      keep.push_back(std::move(name));
    }
  }
  if (!status.ok()) {
    RemovePending();
    return status;
  }
  TM_RETURN_IF_ERROR(base::SyncParentDir(data_dir_ + "/."));
  TM_RETURN_IF_ERROR(RemoveStaleFiles(keep));
  return base::WriteFileAtomic(dir_ + "/README.md", RenderDatasetCard(info));
}

absl::Status DatasetWriter::RemoveStaleFiles(const std::vector<std::string>& keep) {
  const std::set<std::string> kept(keep.begin(), keep.end());
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(data_dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (kept.count(name) > 0) continue;
    if (IsShardName(name) || IsLeftoverName(name)) stale.push_back(it->path());
  }
  if (ec) {
    return absl::InternalError(
        base::StrCat("dataset writer: cannot list ", data_dir_, ": ", ec.message()));
  }
  for (const fs::path& path : stale) {
    if (!fs::remove(path, ec) && ec) {
      return absl::InternalError(base::StrCat("dataset writer: cannot remove stale shard ",
                                              path.string(), ": ", ec.message()));
    }
  }
  if (!stale.empty()) return base::SyncParentDir(data_dir_ + "/.");
  return absl::OkStatus();
}

void DatasetWriter::RemovePending() {
  for (auto& [split, state] : splits_) {
    state.open.reset();  // removes its temporary file
    for (std::string& path : state.pending) {
      if (!path.empty()) std::remove(path.c_str());
    }
    state.pending.clear();
  }
}

}  // namespace tracemill::hub
