#include "libs/agent/trace_store.h"

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "libs/trace/trace_json.h"

namespace tracemill::agent {
namespace {

trace::Message Msg(trace::Role role, std::string text) {
  trace::Message m;
  m.role = role;
  m.content = std::move(text);
  return m;
}

// Whatever happens to a trace between saves, the file holds exactly its full rendering.
TEST(TraceStoreTest, IncrementalSavesWriteExactlyTheWholeTrace) {
  TraceStore store(base::FreshTestDir());
  trace::Trace t;
  t.id = "t1";
  t.model = "m";
  t.timestamp = "2026-11-29T00:00:00Z";
  t.schema_version = trace::kSchemaVersion;
  t.outcome.status = "incomplete";
  t.sampling = {{"messages", Json::array()}, {"tools", Json::array()}};  // look-alikes of the real keys
  auto check = [&](const char* step) {
    store.Save(t);
    ASSERT_TRUE(store.Flush().ok());
    auto text = base::ReadFile(store.PathFor(t.id));
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, base::DumpJson(trace::TraceToJson(t)) + "\n") << step;
  };
  check("empty");
  t.messages.push_back(Msg(trace::Role::kSystem, "You are \x01tracemill-trace-store-messages\x01 helpful."));
  t.messages.push_back(Msg(trace::Role::kUser, "Read /a, \"quoted\" and ünïcode 🚀"));
  check("two messages");
  trace::ToolDef tool;
  tool.name = "read";
  tool.json = {{"type", "function"}, {"function", {{"name", "read"}, {"parameters", {{"type", "object"}}}}}};
  t.tools.push_back(tool);
  trace::Message call;
  call.role = trace::Role::kAssistant;
  call.reasoning_content = "think";
  call.tool_calls.push_back({.id = "c1", .name = "read", .arguments = "{\"path\":\"/a\"}"});
  t.messages.push_back(call);
  t.usage.total_tokens = 12;
  check("a call and tools");
  t.messages.back().content = "edited after saving";  // the last message changed, not appended
  check("last edited");
  t.messages.push_back(Msg(trace::Role::kTool, "contents"));
  t.messages.push_back(Msg(trace::Role::kAssistant, "done"));
  t.provenance.push_back({"model_output", "byte 3: repaired", 2});
  check("more messages and provenance");
  t.messages.erase(t.messages.begin() + 3, t.messages.end());  // shorter than saved
  check("shortened");
  t.outcome.status = "success";
  t.timings.duration_ms = 5;
  check("finished");
  t.messages.push_back(Msg(trace::Role::kUser, "again"));  // saved again after finishing
  check("after finishing");
}

}  // namespace
}  // namespace tracemill::agent
