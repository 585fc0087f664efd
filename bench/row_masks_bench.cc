// Render + tokenize + mask throughput over a dataset directory from `tracemill unroll`:
//   row_masks_bench MODEL_DIR DATASET_DIR [reps=20]
// Reads every row of DATASET_DIR/data/*.jsonl, then times (1) rendering each full row
// with the model's chat template, (2) ChatFormat::Tokenize — render, the two extra
// renders per target message, encode, mask — as the trainer does (unmatched targets
// skipped), on one thread. Prints one JSON line. bench/run_row_masks.sh runs it next to
// the JS peer.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/text/chat_format.h"

namespace {

using tracemill::Json;

struct Row {
  Json messages;
  Json tools;
  int target_from = 0;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR DATASET_DIR [reps]\n", argv[0]);
    return 2;
  }
  const int reps = argc > 3 ? std::atoi(argv[3]) : 20;
  auto format = tracemill::text::ChatFormat::FromDirectory(argv[1]);
  if (!format.ok()) {
    std::fprintf(stderr, "%s\n", std::string(format.status().message()).c_str());
    return 1;
  }
  std::vector<Row> rows;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(argv[2]) + "/data")) {
    auto text = tracemill::base::ReadFile(entry.path().string());
    if (!text.ok()) return 1;
    size_t begin = 0;
    while (begin < text->size()) {
      size_t end = text->find('\n', begin);
      if (end == std::string::npos) end = text->size();
      if (end > begin) {
        auto row = tracemill::base::ParseJson(std::string_view(*text).substr(begin, end - begin),
                                              entry.path().string());
        if (!row.ok()) return 1;
        auto tools = tracemill::base::ParseJson((*row)["tools"].get<std::string>(), "tools");
        rows.push_back({(*row)["messages"], tools.ok() ? *tools : Json::array(),
                        (*row)["target_from"].get<int>()});
      }
      begin = end + 1;
    }
  }
  if (rows.empty()) return 1;

  auto start = std::chrono::steady_clock::now();
  size_t rendered_bytes = 0;
  for (int r = 0; r < reps; ++r) {
    for (const Row& row : rows) rendered_bytes += (*format)->Render(row.messages, row.tools, false)->size();
  }
  const double render_s = Seconds(start);

  start = std::chrono::steady_clock::now();
  size_t tokens = 0, targets = 0, failed = 0, skipped = 0;
  tracemill::text::TokenizeOptions options;
  options.skip_unmatched_targets = true;
  for (int r = 0; r < reps; ++r) {
    for (const Row& row : rows) {
      auto chat = (*format)->Tokenize(row.messages, row.tools, row.target_from, options);
      if (!chat.ok()) {
        ++failed;
        continue;
      }
      tokens += chat->input_ids.size();
      targets += chat->target_tokens;
      skipped += chat->skipped_messages.size();
    }
  }
  const double mask_s = Seconds(start);
  const double n = static_cast<double>(rows.size()) * reps;
  std::printf(
      "{\"rows\": %zu, \"reps\": %d, \"render_us_per_row\": %.2f, \"render_mb_s\": %.2f, "
      "\"mask_rows_per_s\": %.1f, \"mask_tokens_per_s\": %.0f, \"tokens_per_row\": %.1f, "
      "\"target_share\": %.3f, \"rows_failed\": %zu, \"targets_skipped\": %zu}\n",
      rows.size(), reps, render_s / n * 1e6, rendered_bytes / 1e6 / render_s, n / mask_s,
      tokens / mask_s, tokens / n, tokens ? static_cast<double>(targets) / tokens : 0.0,
      failed / reps, skipped / reps);
  return 0;
}
