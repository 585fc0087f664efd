// `tracemill tokenize`: the ids and tokens of a text, or of a dataset row rendered with
// the model's chat template and masked as training masks it — for debugging templates,
// masks and token budgets.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/text/chat_format.h"
#include "libs/text/normalizer.h"
#include "libs/text/tokenizer.h"

namespace tracemill::cli {
namespace {

struct TokenizeFlags {
  std::string model;
  std::vector<std::string> texts;
  std::string file;
  std::string row;
  int64_t line = 1;
  int64_t target_from = -1;
  std::string format = "table";
  bool special = false;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tracemill tokenize: %s\n", std::string(status.message()).c_str());
  return 1;
}

// A token's bytes, printable: control characters and quotes escaped as in JSON.
std::string Printable(const text::Tokenizer& tok, int32_t id) {
  std::string bytes;
  tok.AppendTokenBytes(id, &bytes);
  return base::DumpJson(Json(text::ToValidUtf8Lossy(bytes)));
}

void Print(const text::Tokenizer& tok, const std::vector<int32_t>& ids,
           const std::vector<uint8_t>* target, const std::string& format,
           const std::string* rendered) {
  if (format == "ids") {
    std::string out;
    for (size_t i = 0; i < ids.size(); ++i) base::StrAppend(&out, i ? " " : "", ids[i]);
    std::printf("%s\n", out.c_str());
    return;
  }
  if (format == "json") {
    Json out = Json::object();
    if (rendered != nullptr) out["text"] = *rendered;
    out["ids"] = ids;
    Json tokens = Json::array();
    for (int32_t id : ids) tokens.push_back(std::string(tok.IdToToken(id)));
    out["tokens"] = std::move(tokens);
    if (target != nullptr) out["target"] = *target;
    std::printf("%s\n", base::DumpJson(out).c_str());
    return;
  }
  size_t targets = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool is_target = target != nullptr && (*target)[i];
    targets += is_target;
    std::printf("%6zu %8d %s %s\n", i, ids[i], is_target ? "T" : " ",
                Printable(tok, ids[i]).c_str());
  }
  if (target != nullptr) {
    std::printf("%zu tokens, %zu of them targets (T)\n", ids.size(), targets);
  } else {
    std::printf("%zu tokens\n", ids.size());
  }
}

absl::StatusOr<Json> ReadRow(const TokenizeFlags& f) {
  TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(f.row));
  // A .jsonl file: the --line'th non-empty line; otherwise the whole file.
  std::string where = f.row;
  if (f.row.ends_with(".jsonl")) {
    int64_t n = 0;
    size_t begin = 0;
    std::string line;
    while (begin < text.size()) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      if (end > begin && ++n == f.line) {
        line = text.substr(begin, end - begin);
        break;
      }
      begin = end + 1;
    }
    if (line.empty()) {
      return absl::InvalidArgumentError(
          base::StrCat(f.row, ": has no line ", f.line, " (", n, " non-empty lines)"));
    }
    where = base::StrCat(f.row, ":", f.line);
    text = std::move(line);
  }
  TM_ASSIGN_OR_RETURN(Json row, base::ParseJson(text, where));
  if (!row.is_object() || !row.contains("messages") || !row["messages"].is_array()) {
    return absl::InvalidArgumentError(
        base::StrCat(where, ": expected a row or trace object with a \"messages\" array"));
  }
  Json tools = row.value("tools", Json());
  if (tools.is_string()) {  // a dataset row carries its tools as JSON text
    TM_ASSIGN_OR_RETURN(tools, base::ParseJson(tools.get<std::string>(), where + ": tools"));
  }
  if (!tools.is_null() && !tools.is_array()) {
    return absl::InvalidArgumentError(base::StrCat(where, ": \"tools\" must be an array"));
  }
  row["tools"] = std::move(tools);
  if (f.target_from >= 0) row["target_from"] = f.target_from;
  if (!row.contains("target_from") || !row["target_from"].is_number_integer()) {
    row["target_from"] = 0;
  }
  return row;
}

int RunTokenize(const TokenizeFlags& f) {
  const int modes = !f.texts.empty() + !f.file.empty() + !f.row.empty();
  if (modes != 1) {
    return Fail(absl::InvalidArgumentError("give exactly one of TEXT, --file or --row"));
  }
  if (!f.row.empty()) {
    auto format = text::ChatFormat::FromDirectory(f.model);
    if (!format.ok()) return Fail(format.status());
    auto row = ReadRow(f);
    if (!row.ok()) return Fail(row.status());
    auto chat = (*format)->Tokenize((*row)["messages"], (*row)["tools"],
                                    (*row)["target_from"].get<int>());
    if (!chat.ok()) return Fail(chat.status());
    Print((*format)->tokenizer(), chat->input_ids, &chat->target, f.format, &chat->text);
    return 0;
  }
  // Text: the model directory's tokenizer.json, or a tokenizer.json named directly.
  const std::string path = f.model.ends_with(".json") ? f.model : f.model + "/tokenizer.json";
  auto tok = text::Tokenizer::FromFile(path);
  if (!tok.ok()) return Fail(tok.status());
  std::string input;
  if (!f.file.empty()) {
    auto read = base::ReadFile(f.file == "-" ? "/dev/stdin" : f.file);
    if (!read.ok()) return Fail(read.status());
    input = std::move(*read);
  } else {
    for (size_t i = 0; i < f.texts.size(); ++i) base::StrAppend(&input, i ? " " : "", f.texts[i]);
  }
  std::vector<int32_t> ids = f.special ? (*tok)->EncodeWithSpecialTokens(input)
                                       : (*tok)->Encode(input);
  Print(**tok, ids, nullptr, f.format, nullptr);
  return 0;
}

}  // namespace

void AddTokenizeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TokenizeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Print the token ids and tokens of a text, or of a dataset row rendered with the "
      "model's chat template, with its training targets (the loss mask) marked T.");
  cmd->add_option("-m,--model", flags->model,
                  "Model directory (tokenizer.json + tokenizer_config.json), or a "
                  "tokenizer.json for text")
      ->required();
  cmd->add_option("text", flags->texts, "Text to tokenize (words are joined by spaces)");
  cmd->add_option("--file", flags->file, "Tokenize this file's text (- for stdin)");
  cmd->add_option("--row", flags->row,
                  "A dataset row or trace: a .json file, or a .jsonl file with --line");
  cmd->add_option("--line", flags->line, "Which non-empty line of a .jsonl --row (1-based)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--target-from", flags->target_from,
                  "Assistant messages at this index or later are targets (default: the row's "
                  "target_from, else 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", flags->format, "table (index, id, T, text), ids, or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "ids", "json"}));
  cmd->add_flag("--special", flags->special,
                "Add the tokenizer's special tokens around a text (e.g. Llama's "
                "<|begin_of_text|>), as add_special_tokens=True does");
  cmd->callback([flags, exit_code] { *exit_code = RunTokenize(*flags); });
}

}  // namespace tracemill::cli
