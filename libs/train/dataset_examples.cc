#include "libs/train/dataset_examples.h"

#include <algorithm>
#include <filesystem>

#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::train {
namespace {

constexpr size_t kMaxErrors = 20;

void Refuse(DatasetExamples* out, const std::string& where, const absl::Status& why) {
  ++out->failed;
  if (out->errors.size() < kMaxErrors) {
    out->errors.push_back(base::StrCat(where, ": ", why.message()));
  }
}

}  // namespace

absl::StatusOr<DatasetExamples> TokenizeDataset(
    const std::string& dir, const text::ChatFormat& format, int64_t max_seq_len,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  namespace fs = std::filesystem;
  const fs::path data = fs::path(dir) / "data";
  std::error_code ec;
  if (!fs::is_directory(data, ec)) {
    return absl::NotFoundError(base::StrCat(data.string(), " is not a directory (a dataset from "
                                            "tracemill unroll has one)"));
  }
  std::vector<fs::path> files;
  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(data, ec)) {
    if (entry.path().extension() == ".jsonl") {
      files.push_back(entry.path());
      total += entry.file_size(ec);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return absl::NotFoundError(base::StrCat(data.string(), " has no .jsonl files"));

  DatasetExamples out;
  text::TokenizeOptions options;
  options.skip_unmatched_targets = true;
  uint64_t done = 0;
  for (const fs::path& file : files) {
    TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(file.string()));
    size_t begin = 0;
    int line_no = 0;
    while (begin < text.size()) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      ++line_no;
      std::string_view line(text.data() + begin, end - begin);
      begin = end + 1;
      if (line.empty()) continue;
      ++out.rows;
      const std::string where = base::StrCat(file.filename().string(), ":", line_no);
      auto row = base::ParseJson(line, where);
      if (!row.ok()) {
        Refuse(&out, where, row.status());
        continue;
      }
      if (!row->is_object() || !row->contains("messages")) {
        Refuse(&out, where, absl::InvalidArgumentError("not a row object with \"messages\""));
        continue;
      }
      Json tools = row->value("tools", Json());
      if (tools.is_string()) {
        auto parsed = base::ParseJson(tools.get<std::string>(), where + " tools");
        if (!parsed.ok()) {
          Refuse(&out, where, parsed.status());
          continue;
        }
        tools = std::move(*parsed);
      }
      const Json from = row->value("target_from", Json(0));
      auto chat = format.Tokenize((*row)["messages"], tools,
                                  from.is_number_integer() ? from.get<int>() : 0, options);
      if (!chat.ok()) {
        Refuse(&out, where, chat.status());
        continue;
      }
      out.skipped_targets += static_cast<int64_t>(chat->skipped_messages.size());
      const auto n = static_cast<int64_t>(chat->input_ids.size());
      out.longest = std::max(out.longest, n);
      if (n > max_seq_len) {
        ++out.too_long;
        continue;
      }
      Example example{std::move(chat->input_ids), std::move(chat->target)};
      (row->value("split", "train") == "eval" ? out.eval : out.train).push_back(std::move(example));
    }
    done += text.size();
    if (progress) progress(done, total);
  }
  return out;
}

}  // namespace tracemill::train
