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
#ifndef TRACEMILL_LIBS_DEMO_DEMO_TASKS_H_
#define TRACEMILL_LIBS_DEMO_DEMO_TASKS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tracemill::demo {

inline constexpr int kPages = 400;
inline constexpr int kNotes = 120;
inline constexpr int kBoxes = 12;
inline constexpr int kPointers = 60;

struct DemoEnv {
  std::string site_url;   // e.g. http://127.0.0.1:8731/site (no trailing slash)
  std::string files_dir;  // absolute; what the filesystem MCP server is allowed to touch
};

struct DemoTask {
  std::string id;
  std::string family;
  std::string prompt;
  std::string expected;  // what a correct answer contains (write_file: the file's content)
  std::string path;      // write_file: the file to create
};

// The site: /page/N pages with a title and links, and an index.
std::string PageTitle(int n);
std::string PageHtml(int n);
std::string IndexHtml();

std::string NoteFirstLine(int n);
int BoxFileCount(int k);
int PointerTarget(int n);  // the note that pointer N names

// Writes the demo files under `dir` (notes/, box-K/, pointers/, out/); idempotent.
absl::Status WriteDemoFiles(const std::string& dir);

struct TaskSetOptions {
  std::vector<std::string> families;  // empty: all five
  int count = 50;
  uint64_t seed = 1;
  std::string id_prefix = "demo";
  // Numbers are drawn from one half of each range: held-out tasks (eval) use pages,
  // notes and pointers that training tasks never saw.
  bool held_out = false;
};
std::vector<DemoTask> MakeTasks(const DemoEnv& env, const TaskSetOptions& options);

// Whether `answer` (the agent's final message) solves `task`; write_file tasks look at
// the file. `why` (optional) gets the reason for a failure.
bool CheckAnswer(const DemoTask& task, std::string_view answer, std::string* why = nullptr);

// Tasks as JSONL lines for `tracemill collect` ({"id","prompt","family","expected","path"}).
std::string TasksToJsonl(const std::vector<DemoTask>& tasks);
absl::StatusOr<std::vector<DemoTask>> TasksFromJsonl(std::string_view text, std::string_view where);

}  // namespace tracemill::demo

#endif  // TRACEMILL_LIBS_DEMO_DEMO_TASKS_H_
