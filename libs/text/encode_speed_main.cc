// Times Tokenizer::Encode on one thread, then EncodeBatch on every core:
// encode_speed <tokenizer.json> <text file> [reps]. The text is encoded paragraph by
// paragraph (blank-line separated), as the bench in bench/ compares against Hugging Face
// tokenizers. Not built by default.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "libs/base/file_io.h"
#include "libs/text/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s tokenizer.json text-file [reps]\n", argv[0]);
    return 2;
  }
  auto tok = tracemill::text::Tokenizer::FromFile(argv[1]);
  auto text = tracemill::base::ReadFile(argv[2]);
  if (!tok.ok() || !text.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string((tok.ok() ? text.status() : tok.status()).message()).c_str());
    return 1;
  }
  int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  std::vector<std::string_view> paragraphs;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t cut = rest.find("\n\n");
    cut = cut == std::string_view::npos ? rest.size() : cut + 2;
    paragraphs.push_back(rest.substr(0, cut));
    rest.remove_prefix(cut);
  }
  size_t tokens = 0;
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) {
    for (std::string_view p : paragraphs) tokens += (*tok)->Encode(p).size();
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu paragraphs, %zu tokens/rep, %.2f MB/s\n", paragraphs.size(), tokens / reps,
              text->size() * reps / 1e6 / s);
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) (*tok)->EncodeBatch(paragraphs);
  s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("batch, %u threads: %.2f MB/s\n", std::thread::hardware_concurrency(),
              text->size() * reps / 1e6 / s);
  return 0;
}
