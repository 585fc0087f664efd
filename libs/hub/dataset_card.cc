#include "libs/hub/dataset_card.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "libs/base/str_cat.h"
#include "libs/trace/unroll.h"

namespace tracemill::hub {
namespace {

using base::StrAppend;

// The features block, in RowToDatasetJson's column order.
constexpr char kFeatures[] = R"(dataset_info:
  features:
  - name: id
    dtype: string
  - name: original_id
    dtype: string
  - name: truncation_point
    dtype: int32
  - name: target_from
    dtype: int32
  - name: split
    dtype: string
  - name: messages
    list:
    - name: role
      dtype: string
    - name: content
      dtype: string
    - name: reasoning_content
      dtype: string
    - name: tool_calls
      list:
      - name: id
        dtype: string
      - name: type
        dtype: string
      - name: function
        struct:
        - name: name
          dtype: string
        - name: arguments
          dtype: string
    - name: tool_call_id
      dtype: string
    - name: name
      dtype: string
  - name: tools
    dtype: string
)";

constexpr char kColumns[] = R"(| column | type | meaning |
| --- | --- | --- |
| `id` | string | row id: `<trace id>_trunc_<i>`, `<trace id>_query_<j>`, or the trace id for a full row |
| `original_id` | string | id of the trace the row was cut from; all rows of a trace share it and its split |
| `truncation_point` | int32 | ordinal (1-based, among the trace's assistant messages) of the row's last assistant message; null for a full row |
| `target_from` | int32 | assistant messages at index >= `target_from` are the training targets; earlier ones are context |
| `split` | string | the split the row belongs to |
| `messages` | list of struct | OpenAI chat messages with exactly the keys `role`, `content`, `reasoning_content`, `tool_calls` (`id`, `type`, `function.name`, `function.arguments`), `tool_call_id`, `name`; null where absent |
| `tools` | string | the OpenAI tool list the agent was given, as JSON text |
)";

std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

std::string MarkdownCell(std::string_view text) {
  std::string out;
  for (char c : OneLine(text)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string_view ModeExplanation(std::string_view name) {
  trace::UnrollMode mode;
  if (!trace::ParseUnrollMode(name, &mode)) {
    return "The unroll mode was not recorded; see `truncation_point` and `target_from` on "
           "each row.";
  }
  switch (mode) {
    case trace::UnrollMode::kSeed:
      return "Compatible with the reference agent's `--unroll`: for every assistant message "
             "that directly follows a user message, a row ending at it (`<trace id>_trunc_<i>`, "
             "with `i` counting all assistant messages, so numbers have gaps), plus one row "
             "with the full trace (id = trace id, `truncation_point` null, every assistant "
             "message a target). A trace with `u` user turns gives `u + 1` rows. Reasoning of "
             "assistant steps after tool results appears in no row's final turn.";
    case trace::UnrollMode::kPerTurn:
      return "One row ending at every assistant message (`<trace id>_trunc_<i>`); that last "
             "message is the row's only target. A trace with `k` assistant messages gives `k` "
             "rows. The Qwen3 chat template drops the reasoning of assistant turns before the "
             "last user message, so this puts every step's reasoning into some row.";
    case trace::UnrollMode::kPerQuery:
      return "One row per user query (`<trace id>_query_<j>`, `j` counting all user "
             "messages), ending at the last assistant message before the next user message; "
             "every assistant message after that query is a target. Tool results after the "
             "last assistant message are left out.";
  }
  return "";
}

// The longest run of backticks in `text`, to pick a fence that cannot close early.
size_t LongestBacktickRun(std::string_view text) {
  size_t best = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best;
}

// Splits with rows, "train" first, then the others in name order.
std::vector<std::string> OrderedSplits(const DatasetCardInfo& info) {
  std::vector<std::string> splits;
  for (const auto& [split, rows] : info.rows_per_split) {
    if (rows > 0) splits.push_back(split);
  }
  std::stable_partition(splits.begin(), splits.end(),
                        [](const std::string& s) { return s == "train"; });
  return splits;
}

}  // namespace

std::string YamlQuote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
      continue;
    }
    // U+0085, U+2028, U+2029 are line breaks to YAML and would be folded; U+FEFF is a
    // byte order mark.
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85) {
      out += "\\N";
      ++i;
      continue;
    }
    if (c == 0xe2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      unsigned char c2 = static_cast<unsigned char>(text[i + 2]);
      if (c2 == 0xa8 || c2 == 0xa9) {
        out += c2 == 0xa8 ? "\\L" : "\\P";
        i += 2;
        continue;
      }
    }
    if (c == 0xef && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xbb &&
        static_cast<unsigned char>(text[i + 2]) == 0xbf) {
      out += "\\uFEFF";
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  out += '"';
  return out;
}

std::string RenderDatasetCard(const DatasetCardInfo& info) {
  const std::string title =
      info.title.empty() ? std::string("Agent traces (tracemill)") : OneLine(info.title);
  const std::vector<std::string> splits = OrderedSplits(info);

  std::string out = "---\n";
  StrAppend(&out, "pretty_name: ", YamlQuote(title), "\n");
  out += "tags:\n- agents\n- tool-calling\n- mcp\n- tracemill\n";
  if (!splits.empty()) {
    out += "configs:\n- config_name: default\n  data_files:\n";
    for (const std::string& split : splits) {
      StrAppend(&out, "  - split: ", YamlQuote(split), "\n",
                "    path: ", YamlQuote(base::StrCat("data/", split, "-*.jsonl")), "\n");
    }
  }
  out += kFeatures;
  out += "---\n\n";

  StrAppend(&out, "# ", title, "\n\n");
  if (!info.description.empty()) {
    out += info.description;
    if (out.back() != '\n') out += '\n';
    out += '\n';
  }
  StrAppend(&out, "Training rows cut from ", info.traces,
            info.traces == 1 ? " agent trace" : " agent traces",
            ": OpenAI-style chat conversations with tool calls, recorded from "
            "agents working through MCP servers. Made with tracemill.\n\n");

  out += "| split | rows | shards |\n| --- | ---: | ---: |\n";
  int64_t total_rows = 0;
  int total_shards = 0;
  for (const std::string& split : splits) {
    int64_t rows = info.rows_per_split.at(split);
    auto shards_it = info.shards_per_split.find(split);
    int shards = shards_it == info.shards_per_split.end() ? 0 : shards_it->second;
    StrAppend(&out, "| ", MarkdownCell(split), " | ", rows, " | ", shards, " |\n");
    total_rows += rows;
    total_shards += shards;
  }
  StrAppend(&out, "| **total** | ", total_rows, " | ", total_shards, " |\n\n");

  const std::string mode = info.unroll_mode.empty() ? "unknown" : OneLine(info.unroll_mode);
  StrAppend(&out, "## Unrolling: `", mode, "`\n\n", ModeExplanation(info.unroll_mode), "\n\n");

  out +=
      "## How rows are formed\n\n"
      "Every row is a prefix of one trace: it starts at the trace's first message (the "
      "system prompt, when there is one) and ends at an assistant message, or, for a full "
      "row, at the trace's last message. The assistant messages at index `target_from` and "
      "later are the targets to train on; the rest is context. Loss masks come from "
      "rendering the row with the model's chat template. Splits are assigned per trace "
      "(by a stable hash of `original_id`), so all rows of a trace are in the same "
      "split and no eval conversation leaks into training.\n\n";

  StrAppend(&out, "## Columns\n\n", kColumns, "\n");

  out +=
      "`tools` and every tool call's `function.arguments` are JSON strings, not nested "
      "objects: tool schemas have arbitrary keys, and Arrow would otherwise merge them "
      "into one struct full of nulls. Decode them with `json.loads` where a template "
      "needs objects (the Qwen3 template accepts string arguments as they are).\n\n";

  out +=
      "## Loading\n\n"
      "```python\n"
      "import json\n"
      "import datasets\n\n"
      "ds = datasets.load_dataset(\"<dir>\")  # this directory, or the Hub repo id\n"
      "row = ds[\"train\"][0]\n"
      "tools = json.loads(row[\"tools\"])\n"
      "for message in row[\"messages\"]:\n"
      "    for call in message[\"tool_calls\"] or []:\n"
      "        call[\"function\"][\"arguments\"] = json.loads(call[\"function\"][\"arguments\"])\n"
      "```\n";

  if (!info.curation.is_null()) {
    std::string json = base::DumpJsonPretty(info.curation);
    std::string fence(std::max<size_t>(3, LongestBacktickRun(json) + 1), '`');
    StrAppend(&out, "\n## Curation\n\n", fence, "json\n", json, "\n", fence, "\n");
  }
  return out;
}

}  // namespace tracemill::hub
