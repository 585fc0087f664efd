// Curate + unroll throughput and peak memory.
//
//   curate_unroll_bench gen N corpus.jsonl    writes N synthetic reference-shaped traces
//   curate_unroll_bench run corpus.jsonl DIR  curates then unrolls (per-turn and seed),
//                                             printing one JSON line of figures
//
// bench/run_curate_unroll.sh drives it at two corpus sizes, next to the Python peer.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/hub/dataset_builder.h"
#include "libs/trace/curator.h"

namespace tmill = tracemill;

namespace {

tmill::Json Tool(const std::string& name, const std::vector<std::string>& required) {
  tmill::Json props = tmill::Json::object();
  for (const auto& r : required) props[r] = {{"type", "string"}, {"description", "The " + r}};
  props["slowly"] = {{"type", "boolean"}, {"description", "Type one character at a time"}};
  return {{"type", "function"},
          {"function",
           {{"name", name},
            {"description", "Playwright tool " + name},
            {"parameters",
             {{"type", "object"},
              {"properties", props},
              {"required", required},
              {"additionalProperties", false},
              {"$schema", "http://json-schema.org/draft-07/schema#"}}}}}};
}

std::string Words(std::mt19937_64& rng, size_t bytes) {
  static const char* kWords[] = {
      "link",      "button",     "heading",    "ref=s1e",  "Trelis", "products",
      "- generic", "paragraph:", "navigation", "listitem", "\n"};
  std::string out;
  while (out.size() < bytes) {
    out += kWords[rng() % 11];
    out += ' ';
  }
  return out;
}

int Generate(long n, const std::string& path) {
  std::mt19937_64 rng(1234);
  tmill::Json tools = tmill::Json::array();
  for (int i = 0; i < 25; ++i)
    tools.push_back(Tool("browser_tool_" + std::to_string(i), {"element", "ref"}));
  auto out = tmill::base::AtomicFileWriter::Open(path);
  if (!out.ok()) return 1;
  std::string prev_line;
  for (long t = 0; t < n; ++t) {
    // 2% exact duplicates of the previous trace content (new id), 2% broken (dangling).
    bool duplicate = t > 0 && rng() % 50 == 0;
    bool dangling = rng() % 50 == 1;
    tmill::Json trace = {{"id", tmill::base::StrCat("trace-", t)},
                         {"timestamp", "20250529_101502"},
                         {"model", "Qwen/Qwen3-30B-A3B-FP8"}};
    tmill::Json messages = tmill::Json::array();
    messages.push_back({{"role", "system"}, {"content", "You are a browser agent."}});
    int turns = 1 + static_cast<int>(rng() % 3);
    int call_id = 0;
    for (int u = 0; u < turns; ++u) {
      std::string ask = "Task " + std::to_string(t) + " step " + std::to_string(u);
      if (rng() % 20 == 0) ask += " my key is hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
      messages.push_back({{"role", "user"}, {"content", ask}});
      int steps = 1 + static_cast<int>(rng() % 4);
      for (int s = 0; s < steps; ++s) {
        std::string id = tmill::base::StrCat("chatcmpl-tool-", t, "-", call_id++);
        tmill::Json args = {{"element", "Products link"}, {"ref", "s1e" + std::to_string(s)}};
        messages.push_back(
            {{"role", "assistant"},
             {"content", "\n\n"},
             {"reasoning_content", Words(rng, 120)},
             {"tool_calls",
              tmill::Json::array({{{"id", id},
                                   {"type", "function"},
                                   {"function",
                                    {{"name", "browser_tool_" + std::to_string(rng() % 25)},
                                     {"arguments", tmill::base::DumpJson(args)}}}}})}});
        if (dangling && u == turns - 1 && s == steps - 1) break;
        messages.push_back(
            {{"role", "tool"}, {"tool_call_id", id}, {"content", Words(rng, 300 + rng() % 2000)}});
      }
      if (!(dangling && u == turns - 1)) {
        messages.push_back({{"role", "assistant"},
                            {"content", "Done with " + ask},
                            {"reasoning_content", Words(rng, 150)}});
      }
    }
    trace["messages"] = std::move(messages);
    trace["tools"] = tools;
    std::string line = tmill::base::DumpJson(trace);
    if (duplicate && !prev_line.empty()) {
      tmill::Json copy = tmill::Json::parse(prev_line);
      copy["id"] = tmill::base::StrCat("trace-", t);
      line = tmill::base::DumpJson(copy);
    }
    line += '\n';
    if (!(*out)->Append(line).ok()) return 1;
    prev_line.swap(line);
    prev_line.pop_back();
  }
  return (*out)->Commit().ok() ? 0 : 1;
}

long PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int Run(const std::string& corpus, const std::string& dir) {
  std::filesystem::create_directories(dir);
  uint64_t bytes = std::filesystem::file_size(corpus);
  tmill::trace::CurateOptions options;  // defaults: all gates, redact, dedupe
  tmill::trace::CurateFilesOptions files;
  files.output = dir + "/curated.jsonl";
  tmill::trace::CurateReport report;
  auto t0 = std::chrono::steady_clock::now();
  auto s = tmill::trace::CurateFiles({corpus}, options, files, &report);
  auto t1 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "curate: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  uint64_t curated_bytes = std::filesystem::file_size(files.output);
  tmill::Json figures = tmill::Json::object();
  figures["input_mb"] = bytes / 1e6;
  figures["traces"] = report.traces_in;
  double curate_s = std::chrono::duration<double>(t1 - t0).count();
  figures["curate_s"] = curate_s;
  figures["curate_mb_per_s"] = bytes / 1e6 / curate_s;
  figures["curate_traces_per_s"] = report.traces_in / curate_s;
  figures["kept"] = report.traces_out;
  for (auto mode : {tmill::trace::UnrollMode::kPerTurn, tmill::trace::UnrollMode::kSeed}) {
    tmill::hub::BuildDatasetOptions build;
    build.mode = mode;
    build.out_dir = dir + "/dataset-" + std::string(tmill::trace::UnrollModeName(mode));
    tmill::hub::BuildDatasetReport built;
    auto u0 = std::chrono::steady_clock::now();
    s = tmill::hub::BuildDataset({files.output}, build, &built);
    auto u1 = std::chrono::steady_clock::now();
    if (!s.ok()) {
      std::fprintf(stderr, "unroll: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    double secs = std::chrono::duration<double>(u1 - u0).count();
    std::string m(tmill::trace::UnrollModeName(mode));
    figures["unroll_" + m + "_s"] = secs;
    figures["unroll_" + m + "_rows"] = built.rows;
    figures["unroll_" + m + "_rows_per_s"] = built.rows / secs;
    figures["unroll_" + m + "_mb_per_s"] = curated_bytes / 1e6 / secs;
  }
  figures["peak_rss_mb"] = PeakRssKb() / 1024.0;
  std::printf("%s\n", tmill::base::DumpJson(figures).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "gen") return Generate(std::atol(argv[2]), argv[3]);
  if (argc == 4 && std::string(argv[1]) == "run") return Run(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s gen N corpus.jsonl | run corpus.jsonl WORKDIR\n", argv[0]);
  return 2;
}
