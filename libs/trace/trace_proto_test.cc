#include "libs/trace/trace_proto.h"

#include "gtest/gtest.h"
#include "libs/trace/trace_json.h"
#include "proto/tracemill/v1/trace.pb.h"

namespace tracemill::trace {
namespace {

TEST(TraceProtoTest, RoundTripIsLossless) {
  auto t = ParseTraceText(R"({"id":"t1","run_id":"r","task_id":"k","timestamp":"ts","model":"m",
    "endpoint":"http://e/v1","sampling":{"temperature":0.7,"stop":["x"]},
    "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"requests":1},
    "timings":{"started_at":"a","ended_at":"b","duration_ms":1.5,"model_ms":1,"tool_ms":0.5},
    "outcome":{"status":"failure","reward":0.25,"detail":"d"},
    "messages":[{"role":"developer","content":"dev","guidance":true},
                {"role":"user","content":[{"type":"text","text":"q"}]},
                {"role":"assistant","content":null,"reasoning_content":"r",
                 "tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{bad"},"index":0}]},
                {"role":"tool","tool_call_id":"c","content":"out","name":"f","isError":true}],
    "tools":[{"type":"function","function":{"name":"f","parameters":{"z":1,"a":2}}}],
    "provenance":[{"op":"merge_user_turns","detail":"x","message_index":2}],
    "labels":{"k":"v"}})",
                          "t");
  ASSERT_TRUE(t.ok()) << t.status();
  v1::Trace proto;
  ASSERT_TRUE(TraceToProto(*t, &proto).ok());
  EXPECT_EQ(proto.meta().usage().total_tokens(), 7);
  EXPECT_EQ(proto.messages(2).tool_calls(0).arguments(), "{bad");
  auto back = TraceFromProto(proto);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(TraceToJson(*back), TraceToJson(*t));
  // Tool schemas keep their key order through the proto.
  EXPECT_EQ(back->tools[0].json["function"]["parameters"].begin().key(), "z");
}

TEST(TraceProtoTest, BadProtoIsAnError) {
  v1::Trace proto;
  proto.mutable_meta()->set_id("t9");
  proto.add_messages()->set_role("robot");
  auto back = TraceFromProto(proto);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(std::string(back.status().message()).find("trace t9: messages[0].role"),
            std::string::npos);

  v1::Trace proto2;
  proto2.add_tools()->set_json("{not json");
  EXPECT_FALSE(TraceFromProto(proto2).ok());
}

}  // namespace
}  // namespace tracemill::trace
