#include "libs/demo/demo_tasks.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "libs/base/file_io.h"
#include "libs/base/str_cat.h"

namespace tracemill::demo {
namespace {

constexpr const char* kAdjectives[] = {"Quiet", "Amber", "Hidden", "Northern", "Silver", "Crooked", "Gentle",
                                       "Restless", "Painted", "Frozen", "Golden", "Hollow", "Bright", "Distant",
                                       "Velvet", "Broken", "Sunlit", "Misty", "Ancient", "Wandering"};
constexpr const char* kNouns[] = {"Harbour", "Lantern", "Orchard", "Bridge", "Meadow", "Library", "Compass",
                                  "Garden", "Tower", "River", "Workshop", "Valley", "Market", "Island",
                                  "Forest", "Station", "Mill", "Canal", "Chapel", "Observatory"};
constexpr const char* kColours[] = {"red", "blue", "green", "yellow", "violet", "orange", "white", "black"};
constexpr const char* kWords[] = {"alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "harbor",
                                  "indigo", "juniper", "kestrel", "lumen", "maple", "nectar", "opal", "pine"};

constexpr size_t kNA = sizeof(kAdjectives) / sizeof(kAdjectives[0]);
constexpr size_t kNN = sizeof(kNouns) / sizeof(kNouns[0]);

uint64_t Mix(uint64_t x) {  // splitmix64: a fixed, well-spread function of the number
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string PageTitle(int n) {
  const uint64_t h = Mix(static_cast<uint64_t>(n) * 2 + 1);
  return base::StrCat("The ", kAdjectives[h % kNA], " ", kNouns[(h / kNA) % kNN], " ", n);
}

std::string PageHtml(int n) {
  const std::string title = HtmlEscape(PageTitle(n));
  const int next = n % kPages + 1;
  return base::StrCat("<!doctype html><html><head><meta charset=\"utf-8\"><title>", title,
                      "</title></head><body><h1>", title, "</h1><p>This is page ", n,
                      " of the tracemill demo site.</p><p><a href=\"/site/page/", next, "\">Next page</a> | ",
                      "<a href=\"/site/\">Index</a></p></body></html>");
}

std::string IndexHtml() {
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>tracemill demo site</title></head><body>"
      "<h1>tracemill demo site</h1><ul>";
  for (int n = 1; n <= 20; ++n) base::StrAppend(&html, "<li><a href=\"/site/page/", n, "\">Page ", n, "</a></li>");
  html += "</ul></body></html>";
  return html;
}

std::string NoteFirstLine(int n) {
  const uint64_t h = Mix(static_cast<uint64_t>(n) * 2 + 2);
  return base::StrCat("Note ", n, ": the ", kColours[h % 8], " ", kWords[(h / 8) % 16], " is filed under ",
                      kWords[(h / 128) % 16], "-", 100 + h % 900);
}

int BoxFileCount(int k) { return 1 + static_cast<int>(Mix(static_cast<uint64_t>(k) * 7 + 3) % 9); }

int PointerTarget(int n) {
  const int half = kNotes / 2;
  const int target = 1 + static_cast<int>(Mix(static_cast<uint64_t>(n) * 11 + 5) % half);
  return n <= kPointers / 2 ? target : half + target;
}

absl::Status WriteDemoFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const char* sub : {"notes", "pointers", "out"}) {
    fs::create_directories(fs::path(dir) / sub, ec);
    if (ec) return absl::InternalError(base::StrCat("cannot create ", (fs::path(dir) / sub).string(), ": ", ec.message()));
  }
  auto write = [&](const fs::path& path, const std::string& text) -> absl::Status {
    auto existing = base::ReadFile(path.string());
    if (existing.ok() && *existing == text) return absl::OkStatus();
    return base::WriteFileAtomic(path.string(), text);
  };
  for (int n = 1; n <= kNotes; ++n) {
    const std::string text = base::StrCat(NoteFirstLine(n), "\nThis note is part of the tracemill demo files.\n");
    if (auto st = write(fs::path(dir) / "notes" / base::StrCat("note-", n, ".txt"), text); !st.ok()) return st;
  }
  for (int k = 1; k <= kBoxes; ++k) {
    const fs::path box = fs::path(dir) / base::StrCat("box-", k);
    fs::create_directories(box, ec);
    if (ec) return absl::InternalError(base::StrCat("cannot create ", box.string(), ": ", ec.message()));
    for (int i = 1; i <= BoxFileCount(k); ++i) {
      if (auto st = write(box / base::StrCat("item-", i, ".txt"), base::StrCat("item ", i, " of box ", k, "\n")); !st.ok()) {
        return st;
      }
    }
    // A subdirectory, which is not a file: counting must tell them apart.
    fs::create_directories(box / "archive", ec);
  }
  for (int n = 1; n <= kPointers; ++n) {
    const std::string text = base::StrCat("See notes/note-", PointerTarget(n), ".txt\n");
    if (auto st = write(fs::path(dir) / "pointers" / base::StrCat("p-", n, ".txt"), text); !st.ok()) return st;
  }
  return absl::OkStatus();
}

std::vector<eval::EvalTask> MakeTasks(const DemoEnv& env, const TaskSetOptions& options) {
  std::vector<std::string> families = options.families;
  if (families.empty()) families = {"page_title", "first_line", "count_files", "follow_note", "write_file"};
  std::mt19937_64 rng(options.seed);
  // Training draws from the lower half of each range, held-out tasks from the upper half.
  auto draw = [&](int n) {
    const int half = n / 2;
    std::uniform_int_distribution<int> d(1, half);
    return options.held_out ? half + d(rng) : d(rng);
  };
  const std::vector<std::string> read_tools = {"read_text_file", "read_file"};
  std::vector<eval::EvalTask> tasks;
  std::set<std::string> seen;
  for (int i = 0, attempts = 0; static_cast<int>(tasks.size()) < options.count && attempts < options.count * 50;
       ++attempts, ++i) {
    eval::EvalTask t;
    t.family = families[static_cast<size_t>(i) % families.size()];
    const bool alt = (rng() & 1) != 0;
    if (t.family == "page_title") {
      const int n = draw(kPages);
      const std::string url = base::StrCat(env.site_url, "/page/", n);
      t.prompt = alt ? base::StrCat("What is the title of the web page at ", url, " ?")
                     : base::StrCat("Open ", url, " in the browser and tell me the page title.");
      t.answer = {{eval::AnswerCheck::Kind::kContains, PageTitle(n)}};
      t.calls = {{{"browser_navigate"}, {{"url", url}}}};
    } else if (t.family == "first_line") {
      const int n = draw(kNotes);
      const std::string path = base::StrCat(env.files_dir, "/notes/note-", n, ".txt");
      t.prompt = alt ? base::StrCat("Read the file ", path, " and tell me its first line.")
                     : base::StrCat("What is the first line of the file ", path, " ?");
      t.answer = {{eval::AnswerCheck::Kind::kContains, NoteFirstLine(n)}};
      t.calls = {{read_tools, {{"path", path}}}};
    } else if (t.family == "count_files") {
      const int k = draw(kBoxes);
      const std::string path = base::StrCat(env.files_dir, "/box-", k);
      t.prompt = alt ? base::StrCat("How many files are in the directory ", path, " ?")
                     : base::StrCat("Count the files (not directories) in ", path, " .");
      t.answer = {{eval::AnswerCheck::Kind::kNumber, std::to_string(BoxFileCount(k))}};
      t.calls = {{{"list_directory"}, {{"path", path}}}};
    } else if (t.family == "follow_note") {
      const int n = draw(kPointers);
      const std::string path = base::StrCat(env.files_dir, "/pointers/p-", n, ".txt");
      t.prompt = base::StrCat("The file ", path,
                              " names a note file. Read it, then read that note and tell me the note's first line.");
      t.answer = {{eval::AnswerCheck::Kind::kContains, NoteFirstLine(PointerTarget(n))}};
      t.calls = {{read_tools, {{"path", path}}},
                 {read_tools, {{"path", base::StrCat(env.files_dir, "/notes/note-", PointerTarget(n), ".txt")}}}};
    } else if (t.family == "write_file") {
      // Names and texts carry a number from the task set's own half of 0..999 and 0..99.
      const int name_n = static_cast<int>(rng() % 500) + (options.held_out ? 500 : 0);
      const int text_n = static_cast<int>(rng() % 50) + (options.held_out ? 50 : 0);
      const std::string path = base::StrCat(env.files_dir, "/out/", kWords[rng() % 16], "-", name_n, ".txt");
      const std::string text = base::StrCat(kColours[rng() % 8], " ", kWords[rng() % 16], " ", text_n);
      t.prompt = base::StrCat("Create the file ", path, " containing exactly: ", text);
      t.files = {{path, text, true}};
      t.calls = {{{"write_file"}, {{"path", path}, {"content", text}}}};
    } else {
      continue;
    }
    t.require_calls = true;  // a guessed count (or title) is not a finished task
    if (!seen.insert(t.prompt).second) continue;  // no duplicate tasks
    t.id = base::StrCat(options.id_prefix, "-", t.family, "-", tasks.size() + 1);
    tasks.push_back(std::move(t));
  }
  return tasks;
}

std::vector<eval::Bar> DemoBars() {
  return {{"valid_tool_use", 0.5}, {"tool_name_accuracy", 0.6}, {"argument_accuracy", 0.3}, {"pass@1", 0.3}};
}

std::vector<std::string> TaskEntities(const eval::EvalTask& task) {
  std::vector<std::string> out;
  for (const eval::AnswerCheck& a : task.answer) {
    if (a.kind != eval::AnswerCheck::Kind::kNumber) out.push_back(a.value);
  }
  for (const eval::FileCheck& f : task.files) {
    out.push_back(f.path);
    out.push_back(f.text);
  }
  for (const eval::ExpectedCall& c : task.calls) {
    for (const auto& [key, value] : c.arguments.items()) {
      if (value.is_string()) out.push_back(value.get<std::string>());
    }
  }
  return out;
}

}  // namespace tracemill::demo
