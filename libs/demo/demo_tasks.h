// The demo task family: small, checkable tool-use tasks over a loopback web site and a
// directory of files, for `tracemill demo`, the demo teacher and live evaluation.
//
// Families (each prompt names exactly what to open, so an answer can be checked):
//   page_title   open {site}/page/N in the browser, report its title     (browser_navigate)
//   first_line   report the first line of {files}/notes/note-N.txt        (read_text_file)
//   count_files  count the files in {files}/box-K                         (list_directory)
//   follow_note  read {files}/pointers/p-N.txt, which names a note; report that note's
//                first line                                               (two reads)
//   write_file   create {files}/out/NAME.txt holding given text           (write_file)
// Pages, notes, boxes and pointers are pure functions of their numbers, so tasks, the
// teacher and the checkers agree without sharing state.
//
// Held out means held out: every range is split in two (pages, notes, boxes, pointers,
// output file names and contents), training tasks draw from the lower part and held-out
// tasks from the upper, and a pointer names a note of its own part, so no held-out page,
// note, box, pointer, output file or text appears in a training task, directly or
// through a pointer (TaskEntities lists them; a test checks the two sets are disjoint).
//
// Each task is an eval::EvalTask with its checks (the answer: contains the title or the
// note's first line, states exactly the count; write_file: the file's content) and the
// calls a correct run makes, so live evaluation scores argument accuracy too; the calls
// are required (require_calls), so a guessed answer without the tool work fails.
#ifndef TRACEMILL_LIBS_DEMO_DEMO_TASKS_H_
#define TRACEMILL_LIBS_DEMO_DEMO_TASKS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "libs/eval/bars.h"
#include "libs/eval/eval_task.h"

namespace tracemill::demo {

inline constexpr int kPages = 400;
inline constexpr int kNotes = 120;
inline constexpr int kBoxes = 20;
inline constexpr int kPointers = 60;

struct DemoEnv {
  std::string site_url;   // e.g. http://127.0.0.1:8731/site (no trailing slash)
  std::string files_dir;  // absolute; what the filesystem MCP server is allowed to touch
};

// The site: /page/N pages with a title and links, and an index.
std::string PageTitle(int n);
std::string PageHtml(int n);
std::string IndexHtml();

std::string NoteFirstLine(int n);
int BoxFileCount(int k);
// The note that pointer N names: a training note (the lower half) for a training pointer,
// a held-out note for a held-out pointer.
int PointerTarget(int n);

// Writes the demo files under `dir` (notes/, box-K/, pointers/, out/); idempotent.
absl::Status WriteDemoFiles(const std::string& dir);

struct TaskSetOptions {
  std::vector<std::string> families;  // empty: all five
  int count = 50;
  uint64_t seed = 1;
  std::string id_prefix = "demo";
  // Draw from the held-out part of every range (for evaluation), not the training part.
  bool held_out = false;
};
std::vector<eval::EvalTask> MakeTasks(const DemoEnv& env, const TaskSetOptions& options);

// The bars `tracemill demo` holds a trained student to on held-out tasks (and that every
// cheating policy of teacher.h, and the untrained student, must miss).
std::vector<eval::Bar> DemoBars();

// The entities a task touches: the URL, paths (pointer targets included), output file
// name and text, and the expected answers other than counts.
std::vector<std::string> TaskEntities(const eval::EvalTask& task);

}  // namespace tracemill::demo

#endif  // TRACEMILL_LIBS_DEMO_DEMO_TASKS_H_
