#include "libs/demo/demo_tasks.h"

#include <filesystem>
#include <set>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::demo {
namespace {

DemoEnv Env() { return {.site_url = "http://127.0.0.1:1/site", .files_dir = "/data/demo"}; }

TEST(DemoTasksTest, SiteAndFilesArePureFunctionsOfTheirNumbers) {
  EXPECT_EQ(PageTitle(7), PageTitle(7));
  EXPECT_NE(PageTitle(7), PageTitle(8));
  EXPECT_NE(PageHtml(7).find("<title>" + PageTitle(7) + "</title>"), std::string::npos);
  EXPECT_NE(PageHtml(kPages).find("/site/page/1\""), std::string::npos);  // wraps around
  std::set<std::string> lines;
  for (int n = 1; n <= kNotes; ++n) lines.insert(NoteFirstLine(n));
  EXPECT_GT(lines.size(), static_cast<size_t>(kNotes * 9 / 10));  // nearly all distinct
  for (int k = 1; k <= kBoxes; ++k) {
    EXPECT_GE(BoxFileCount(k), 1);
    EXPECT_LE(BoxFileCount(k), 9);
  }
  for (int n = 1; n <= kPointers; ++n) {
    EXPECT_GE(PointerTarget(n), 1);
    EXPECT_LE(PointerTarget(n), kNotes);
  }
}

TEST(DemoTasksTest, TaskSetsAreDeterministicUniqueAndHeldOutIsDisjoint) {
  const auto a = MakeTasks(Env(), {.count = 60, .seed = 3});
  const auto b = MakeTasks(Env(), {.count = 60, .seed = 3});
  ASSERT_EQ(a.size(), 60u);
  std::set<std::string> ids, prompts, families;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt, b[i].prompt);
    ids.insert(a[i].id);
    prompts.insert(a[i].prompt);
    families.insert(a[i].family);
  }
  EXPECT_EQ(ids.size(), a.size());
  EXPECT_EQ(prompts.size(), a.size());
  EXPECT_EQ(families.size(), 5u);
  const auto held = MakeTasks(Env(), {.families = {"page_title", "first_line"}, .count = 40, .seed = 3, .held_out = true});
  ASSERT_EQ(held.size(), 40u);
  for (const DemoTask& h : held) {
    EXPECT_EQ(prompts.count(h.prompt), 0u) << h.prompt;
    if (h.family == "page_title") {
      const int n = std::stoi(h.prompt.substr(h.prompt.find("/page/") + 6));
      EXPECT_GT(n, kPages / 2) << h.prompt;
    }
  }
}

TEST(DemoTasksTest, CheckerAcceptsRightAnswersAndRejectsWrongOnes) {
  DemoTask count{.id = "c", .family = "count_files", .prompt = "", .expected = "3"};
  EXPECT_TRUE(CheckAnswer(count, "There are 3 files."));
  std::string why;
  EXPECT_FALSE(CheckAnswer(count, "There are 13 files.", &why));
  EXPECT_NE(why.find("count 3"), std::string::npos);
  DemoTask title{.id = "t", .family = "page_title", .prompt = "", .expected = PageTitle(5)};
  EXPECT_TRUE(CheckAnswer(title, "The title is \"" + PageTitle(5) + "\"."));
  EXPECT_FALSE(CheckAnswer(title, "The title is \"" + PageTitle(6) + "\"."));
}

TEST(DemoTasksTest, WritesTheDemoFilesAndChecksWrites) {
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(WriteDemoFiles(dir).ok());
  ASSERT_TRUE(WriteDemoFiles(dir).ok());  // idempotent
  auto note = base::ReadFile(dir + "/notes/note-4.txt");
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->substr(0, note->find('\n')), NoteFirstLine(4));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/box-2")) files += e.is_regular_file();
  EXPECT_EQ(files, BoxFileCount(2));
  auto pointer = base::ReadFile(dir + "/pointers/p-9.txt");
  ASSERT_TRUE(pointer.ok());
  EXPECT_EQ(*pointer, "See notes/note-" + std::to_string(PointerTarget(9)) + ".txt\n");

  auto tasks = MakeTasks({.site_url = "http://x/site", .files_dir = dir}, {.families = {"write_file"}, .count = 1});
  ASSERT_EQ(tasks.size(), 1u);
  std::string why;
  EXPECT_FALSE(CheckAnswer(tasks[0], "Done", &why));
  EXPECT_NE(why.find("not created"), std::string::npos) << why;
  ASSERT_TRUE(base::WriteFileAtomic(tasks[0].path, tasks[0].expected + "\n").ok());
  EXPECT_TRUE(CheckAnswer(tasks[0], "Done"));
  ASSERT_TRUE(base::WriteFileAtomic(tasks[0].path, "something else").ok());
  EXPECT_FALSE(CheckAnswer(tasks[0], "Done"));
}

TEST(DemoTasksTest, TasksRoundTripThroughJsonlAndBadLinesAreNamed) {
  const auto tasks = MakeTasks(Env(), {.count = 10});
  auto back = TasksFromJsonl(TasksToJsonl(tasks), "tasks.jsonl");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ((*back)[i].prompt, tasks[i].prompt);
    EXPECT_EQ((*back)[i].path, tasks[i].path);
  }
  auto bad = TasksFromJsonl("{\"id\":\"a\",\"prompt\":\"p\",\"family\":\"x\",\"expected\":\"e\"}\n{\"id\":\"b\"}\n", "t.jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("t.jsonl:2"), std::string::npos) << bad.status();
  EXPECT_FALSE(TasksFromJsonl("{oops\n", "t.jsonl").ok());
}

}  // namespace
}  // namespace tracemill::demo
