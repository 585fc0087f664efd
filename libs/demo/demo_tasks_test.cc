#include "libs/demo/demo_tasks.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/trace/trace.h"

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

TEST(DemoTasksTest, TaskSetsAreDeterministicAndUnique) {
  const auto a = MakeTasks(Env(), {.count = 60, .seed = 3});
  const auto b = MakeTasks(Env(), {.count = 60, .seed = 3});
  ASSERT_EQ(a.size(), 60u);
  std::set<std::string> ids, prompts, families;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].ToJson(), b[i].ToJson());
    ids.insert(a[i].id);
    prompts.insert(a[i].prompt);
    families.insert(a[i].family);
    EXPECT_FALSE(a[i].calls.empty()) << a[i].id;  // every demo task states its calls
  }
  EXPECT_EQ(ids.size(), a.size());
  EXPECT_EQ(prompts.size(), a.size());
  EXPECT_EQ(families.size(), 5u);
}

// Every entity (page, note, box, pointer and the note it names, output file and text) of
// every task either set can make, over many seeds: the two sets share none.
TEST(DemoTasksTest, HeldOutEntitiesAreDisjointFromTrainingOnesEvenThroughPointers) {
  std::set<std::string> train, held;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (bool held_out : {false, true}) {
      for (const eval::EvalTask& t : MakeTasks(Env(), {.count = 400, .seed = seed, .held_out = held_out})) {
        for (std::string& e : TaskEntities(t)) (held_out ? held : train).insert(std::move(e));
      }
    }
  }
  EXPECT_GT(train.size(), 500u);
  EXPECT_GT(held.size(), 500u);
  for (const std::string& e : held) EXPECT_EQ(train.count(e), 0u) << e;
  // Through pointers: a training pointer's note is a training note, a held-out one's a
  // held-out note, and the notes' numbers never cross.
  for (int n = 1; n <= kPointers; ++n) {
    if (n <= kPointers / 2) {
      EXPECT_LE(PointerTarget(n), kNotes / 2) << n;
    } else {
      EXPECT_GT(PointerTarget(n), kNotes / 2) << n;
    }
  }
  // The first lines a held-out task asks for are not the answer of any training task.
  for (const eval::EvalTask& t : MakeTasks(Env(), {.families = {"first_line", "follow_note"}, .count = 200,
                                                   .held_out = true})) {
    EXPECT_EQ(train.count(t.answer.at(0).value), 0u) << t.id;
  }
}

// A finished trace of `task`: the teacher-like calls with `results`, then `answer`.
trace::Trace Finished(const eval::EvalTask& task, const std::vector<std::string>& results, const std::string& answer) {
  trace::Trace t;
  t.outcome.status = "success";
  trace::Message user;
  user.role = trace::Role::kUser;
  user.content = task.prompt;
  t.messages.push_back(user);
  for (size_t i = 0; i < results.size(); ++i) {
    trace::Message call;
    call.role = trace::Role::kAssistant;
    const eval::ExpectedCall& c = task.calls.at(std::min(i, task.calls.size() - 1));
    call.tool_calls.push_back({.id = "c", .name = c.names[0], .arguments = c.arguments.dump()});
    trace::Message result;
    result.role = trace::Role::kTool;
    result.content = results[i];
    t.messages.push_back(call);
    t.messages.push_back(result);
  }
  trace::Message final_answer;
  final_answer.role = trace::Role::kAssistant;
  final_answer.content = answer;
  t.messages.push_back(final_answer);
  return t;
}

const eval::EvalTask& First(const std::vector<eval::EvalTask>& tasks) {
  EXPECT_FALSE(tasks.empty());
  return tasks.front();
}

// Per family: the teacher's kind of answer passes; the tool output echoed back fails,
// even though it holds the expected text; so do near misses.
TEST(DemoTasksTest, EveryFamilysCheckerRejectsTheToolOutputEchoedBack) {
  const std::string dir = base::FreshTestDir();
  const DemoEnv env{.site_url = "http://127.0.0.1:1/site", .files_dir = dir};
  ASSERT_TRUE(WriteDemoFiles(dir).ok());
  std::string why;

  const auto page = First(MakeTasks(env, {.families = {"page_title"}, .count = 1, .held_out = true}));
  const std::string title = page.answer[0].value;
  const std::string url = page.calls[0].arguments["url"];
  const std::string browser = "### Ran Playwright code\n```js\nawait page.goto('" + url +
                              "');\n```\n### Page state\n- Page URL: " + url + "\n- Page Title: " + title +
                              "\n- Page Snapshot:\n```yaml\n- heading \"" + title + "\" [level=1] [ref=e2]\n" +
                              "- paragraph [ref=e3]: This is page 7 of the tracemill demo site.\n```\n";
  EXPECT_TRUE(eval::CheckTask(page, Finished(page, {browser}, "The title of the page is \"" + title + "\"."), &why)) << why;
  EXPECT_FALSE(eval::CheckTask(page, Finished(page, {browser}, browser), &why));
  EXPECT_NE(why.find("echoes"), std::string::npos) << why;
  // Quoting the one line that holds the answer is answering, not echoing.
  EXPECT_TRUE(eval::CheckTask(page, Finished(page, {browser}, "- Page Title: " + title), &why)) << why;

  const auto first = First(MakeTasks(env, {.families = {"first_line"}, .count = 1, .held_out = true}));
  const std::string note_path = first.calls[0].arguments["path"];
  const std::string note = *base::ReadFile(note_path);
  EXPECT_TRUE(eval::CheckTask(first, Finished(first, {note}, "The first line is: " + first.answer[0].value), &why)) << why;
  EXPECT_FALSE(eval::CheckTask(first, Finished(first, {note}, note), &why));
  EXPECT_NE(why.find("echoes"), std::string::npos) << why;

  const auto count = First(MakeTasks(env, {.families = {"count_files"}, .count = 1, .held_out = true}));
  const std::string box = count.calls[0].arguments["path"];
  std::string listing;
  const int files = std::stoi(count.answer[0].value);
  for (int i = 1; i <= files; ++i) listing += "[FILE] item-" + std::to_string(i) + ".txt\n";
  listing += "[DIR] archive";
  EXPECT_TRUE(eval::CheckTask(count, Finished(count, {listing}, "There are " + count.answer[0].value + " files in " + box + "."),
                              &why))
      << why;
  EXPECT_FALSE(eval::CheckTask(count, Finished(count, {listing}, listing), &why));
  EXPECT_FALSE(eval::CheckTask(count, Finished(count, {listing}, "There are " + std::to_string(files) + ".txt\"}}</tool_call>"),
                               &why));
  EXPECT_FALSE(eval::CheckTask(count, Finished(count, {"Error: ENOENT"}, "There are 1 2 3 4 5 6 7 8 9 files."), &why));

  const auto follow = First(MakeTasks(env, {.families = {"follow_note"}, .count = 1, .held_out = true}));
  const std::string pointer = *base::ReadFile(follow.calls[0].arguments["path"].get<std::string>());
  const std::string target = *base::ReadFile(follow.calls[1].arguments["path"].get<std::string>());
  EXPECT_TRUE(eval::CheckTask(follow, Finished(follow, {pointer, target}, "It begins with: " + follow.answer[0].value), &why))
      << why;
  EXPECT_FALSE(eval::CheckTask(follow, Finished(follow, {pointer, target}, target), &why));
  EXPECT_FALSE(eval::CheckTask(follow, Finished(follow, {pointer}, pointer), &why));

  // write_file is judged by the file; an echo of "Successfully wrote" creates nothing.
  const auto write = First(MakeTasks(env, {.families = {"write_file"}, .count = 1, .held_out = true}));
  const std::string path = write.files[0].path;
  EXPECT_FALSE(eval::CheckTask(write, Finished(write, {"Successfully wrote to " + path}, "Successfully wrote to " + path), &why));
  EXPECT_NE(why.find("was not created"), std::string::npos) << why;
  ASSERT_TRUE(base::WriteFileAtomic(path, write.files[0].text + "\n").ok());
  EXPECT_TRUE(eval::CheckTask(write, Finished(write, {"Successfully wrote to " + path}, "Done."), &why)) << why;
  ASSERT_TRUE(base::WriteFileAtomic(path, "something else").ok());
  EXPECT_FALSE(eval::CheckTask(write, Finished(write, {"Successfully wrote to " + path}, "Done."), &why));
}

TEST(DemoTasksTest, WritesTheDemoFiles) {
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
}

TEST(DemoTasksTest, TasksRoundTripThroughJsonl) {
  const auto tasks = MakeTasks(Env(), {.count = 10});
  auto back = eval::ParseEvalTasks(eval::EvalTasksToJsonl(tasks), "tasks.jsonl");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) EXPECT_EQ((*back)[i].ToJson(), tasks[i].ToJson());
}

}  // namespace
}  // namespace tracemill::demo
