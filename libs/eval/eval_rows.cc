#include "libs/eval/eval_rows.h"

#include <algorithm>
#include <filesystem>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/trace/trace_json.h"

namespace tracemill::eval {
namespace {

absl::Status Refuse(std::string_view reason, std::string_view where, std::string_view detail) {
  return absl::InvalidArgumentError(base::StrCat(reason, ": ", where, ": ", detail));
}

// The reason prefix of an EvalRowFromJson error.
std::string ReasonOf(const absl::Status& status) {
  const std::string_view msg(status.message().data(), status.message().size());
  const size_t colon = msg.find(':');
  return std::string(colon == std::string_view::npos ? msg : msg.substr(0, colon));
}

}  // namespace

int64_t EvalRows::skipped() const {
  int64_t n = 0;
  for (const auto& [reason, count] : skipped_by_reason) n += count;
  return n;
}

Json EvalRows::ToJson() const {
  Json by_reason = Json::object();
  for (const auto& [reason, count] : skipped_by_reason) by_reason[reason] = count;
  return {{"rows", rows.size()},  {"lines", lines},         {"other_split", other_split},
          {"skipped", skipped()}, {"skipped_by_reason", by_reason}, {"issues", issues}};
}

absl::StatusOr<EvalRow> EvalRowFromJson(const Json& row, const std::string& where) {
  if (!row.is_object()) return Refuse("not_an_object", where, "a row must be a JSON object");
  auto messages = row.find("messages");
  if (messages == row.end() || !messages->is_array() || messages->empty()) {
    return Refuse("no_messages", where, "\"messages\" is missing, empty or not an array");
  }
  EvalRow out;
  out.where = where;
  if (auto id = row.find("id"); id != row.end() && id->is_string()) out.id = id->get<std::string>();
  if (out.id.empty()) out.id = where;
  std::vector<trace::Message> parsed;
  parsed.reserve(messages->size());
  for (size_t i = 0; i < messages->size(); ++i) {
    auto m = trace::ParseMessage((*messages)[i], where, base::StrCat("messages[", i, "]"));
    if (!m.ok()) return Refuse("bad_message", where, std::string(m.status().message()));
    parsed.push_back(std::move(*m));
  }
  if (parsed.back().role != trace::Role::kAssistant) {
    return Refuse("no_final_assistant", where,
                  base::StrCat("the last message is a ", trace::RoleName(parsed.back().role),
                               " message, not the assistant turn to predict"));
  }
  if (parsed.size() < 2) return Refuse("no_prefix", where, "nothing comes before the assistant turn");
  for (const trace::ToolCall& call : parsed.back().tool_calls) {
    auto args = base::ParseJson(call.arguments.empty() ? "{}" : call.arguments, where);
    if (!args.ok() || !args->is_object()) {
      return Refuse("reference_arguments_not_json", where,
                    base::StrCat("the reference call to ", call.name, " has arguments that are not a JSON object"));
    }
  }
  if (auto tools = row.find("tools"); tools != row.end() && !tools->is_null()) {
    Json list;
    if (tools->is_string()) {
      auto p = base::ParseJson(tools->get<std::string>(), base::StrCat(where, " tools"));
      if (!p.ok()) return Refuse("bad_tools", where, std::string(p.status().message()));
      list = std::move(*p);
    } else {
      list = *tools;
    }
    if (!list.is_array()) return Refuse("bad_tools", where, "\"tools\" is not a list");
    for (size_t i = 0; i < list.size(); ++i) {
      auto t = trace::ParseToolDef(list[i], where, base::StrCat("tools[", i, "]"));
      if (!t.ok()) return Refuse("bad_tools", where, std::string(t.status().message()));
      out.tools.push_back(std::move(*t));
    }
  }
  out.reference = std::move(parsed.back());
  parsed.pop_back();
  out.prefix = std::move(parsed);
  return out;
}

absl::StatusOr<EvalRows> ReadEvalRows(const std::string& dir, const EvalRowsOptions& options) {
  namespace fs = std::filesystem;
  const fs::path data = fs::path(dir) / "data";
  std::error_code ec;
  if (!fs::is_directory(data, ec)) {
    return absl::NotFoundError(
        base::StrCat(data.string(), " is not a directory (a dataset from tracemill unroll has one)"));
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(data, ec)) {
    if (entry.path().extension() == ".jsonl" && entry.path().filename().string()[0] != '.') {
      files.push_back(entry.path());
    }
  }
  if (ec) return absl::InternalError(base::StrCat("listing ", data.string(), ": ", ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) return absl::NotFoundError(base::StrCat(data.string(), " has no .jsonl files"));

  EvalRows out;
  auto skip = [&](const std::string& reason, std::string message) {
    ++out.skipped_by_reason[reason];
    if (out.issues.size() < EvalRows::kMaxIssues) out.issues.push_back(std::move(message));
  };
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    const bool file_in_split = name.rfind(options.split + "-", 0) == 0;
    TM_ASSIGN_OR_RETURN(std::string text, base::ReadFile(file.string()));
    size_t begin = 0;
    int line_no = 0;
    while (begin < text.size()) {
      if (options.limit > 0 && static_cast<int64_t>(out.rows.size()) >= options.limit) return out;
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      ++line_no;
      const std::string_view line(text.data() + begin, end - begin);
      begin = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      const std::string where = base::StrCat(name, ":", line_no);
      auto row = base::ParseJson(line, where);
      if (!row.ok()) {
        if (file_in_split) {
          ++out.lines;
          skip("malformed_json", std::string(row.status().message()));
        }
        continue;
      }
      bool in_split = file_in_split;
      if (row->is_object()) {
        if (auto s = row->find("split"); s != row->end() && s->is_string()) in_split = *s == options.split;
      }
      if (!in_split) {
        ++out.other_split;
        continue;
      }
      ++out.lines;
      auto r = EvalRowFromJson(*row, where);
      if (!r.ok()) {
        skip(ReasonOf(r.status()), std::string(r.status().message()));
        continue;
      }
      out.rows.push_back(std::move(*r));
    }
  }
  return out;
}

}  // namespace tracemill::eval
