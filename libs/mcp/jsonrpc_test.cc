#include "libs/mcp/jsonrpc.h"

#include "gtest/gtest.h"

namespace tracemill::mcp {
namespace {

TEST(JsonRpcTest, ClassifiesMessages) {
  auto req = ParseJsonRpc(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"a":1}})", "t");
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->kind, JsonRpcMessage::Kind::kRequest);
  EXPECT_EQ(req->id, 3);
  auto note = ParseJsonRpc(R"({"jsonrpc":"2.0","method":"notifications/x"})", "t");
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->kind, JsonRpcMessage::Kind::kNotification);
  auto res = ParseJsonRpc(R"({"jsonrpc":"2.0","id":"s1","result":{}})", "t");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->kind, JsonRpcMessage::Kind::kResponse);
  auto err = ParseJsonRpc(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}})", "t");
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->kind, JsonRpcMessage::Kind::kErrorResponse);
  EXPECT_EQ(err->error_code, -32601);
  EXPECT_EQ(err->error_message, "no");
}

TEST(JsonRpcTest, BadMessagesSayWhatIsWrongAndWhere) {
  for (const char* bad : {"", "{", "[]", "7", R"({"id":1,"result":{}})",
                          R"({"jsonrpc":"1.0","id":1,"result":{}})",
                          R"({"jsonrpc":"2.0","id":1})", R"({"jsonrpc":"2.0","id":1,"result":1,"error":{}})",
                          R"({"jsonrpc":"2.0","id":{},"method":"x"})",
                          R"({"jsonrpc":"2.0","method":5})", R"({"jsonrpc":"2.0","method":"x","params":3})",
                          R"({"jsonrpc":"2.0","id":1,"error":"boom"})", R"({"jsonrpc":"2.0"})"}) {
    auto m = ParseJsonRpc(bad, "server \"fs\"");
    EXPECT_FALSE(m.ok()) << bad;
    EXPECT_NE(std::string(m.status().message()).find("server \"fs\""), std::string::npos) << m.status();
  }
}

TEST(JsonRpcTest, BuildsMessages) {
  EXPECT_EQ(JsonRpcRequest(1, "ping", Json::object()), R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{}})");
  EXPECT_EQ(JsonRpcNotification("notifications/initialized", Json()),
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(JsonRpcError("a", -32601, "no"),
            R"({"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"no"}})");
}

}  // namespace
}  // namespace tracemill::mcp
