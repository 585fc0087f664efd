#include "libs/trace/unroll.h"

#include <cstddef>
#include <utility>

#include "libs/base/str_cat.h"

namespace tracemill::trace {
namespace {

RowSpan Span(std::string id, size_t last, int truncation_point, int target_from) {
  return RowSpan{std::move(id), truncation_point, target_from, last + 1};
}

void UnrollSeed(const Trace& trace, std::vector<RowSpan>* rows) {
  const std::vector<Message>& msgs = trace.messages;
  int ordinal = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].role != Role::kAssistant) continue;
    ++ordinal;
    if (i > 0 && msgs[i - 1].role == Role::kUser) {
      rows->push_back(
          Span(base::StrCat(trace.id, "_trunc_", ordinal), i, ordinal, static_cast<int>(i)));
    }
  }
  rows->push_back(Span(trace.id, msgs.size() - 1, 0, 0));
}

void UnrollPerTurn(const Trace& trace, std::vector<RowSpan>* rows) {
  const std::vector<Message>& msgs = trace.messages;
  int ordinal = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].role != Role::kAssistant) continue;
    ++ordinal;
    rows->push_back(
        Span(base::StrCat(trace.id, "_trunc_", ordinal), i, ordinal, static_cast<int>(i)));
  }
}

void UnrollPerQuery(const Trace& trace, std::vector<RowSpan>* rows) {
  const std::vector<Message>& msgs = trace.messages;
  int assistant_ordinal = 0;
  int user_ordinal = 0;
  // The open query: its user message's ordinal and index, and the index and ordinal of
  // the last assistant message seen since it (-1 while there is none).
  int query = 0;
  size_t query_index = 0;
  long last_assistant = -1;
  int last_ordinal = 0;
  auto close_query = [&] {
    if (query > 0 && last_assistant >= 0) {
      rows->push_back(Span(base::StrCat(trace.id, "_query_", query),
                           static_cast<size_t>(last_assistant), last_ordinal,
                           static_cast<int>(query_index) + 1));
    }
  };
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].role == Role::kUser) {
      close_query();
      query = ++user_ordinal;
      query_index = i;
      last_assistant = -1;
    } else if (msgs[i].role == Role::kAssistant) {
      ++assistant_ordinal;
      last_assistant = static_cast<long>(i);
      last_ordinal = assistant_ordinal;
    }
  }
  close_query();
}

}  // namespace

bool ParseUnrollMode(std::string_view name, UnrollMode* mode) {
  if (name == "seed")
    *mode = UnrollMode::kSeed;
  else if (name == "per-turn")
    *mode = UnrollMode::kPerTurn;
  else if (name == "per-query")
    *mode = UnrollMode::kPerQuery;
  else
    return false;
  return true;
}

std::string_view UnrollModeName(UnrollMode mode) {
  switch (mode) {
    case UnrollMode::kSeed:
      return "seed";
    case UnrollMode::kPerTurn:
      return "per-turn";
    case UnrollMode::kPerQuery:
      return "per-query";
  }
  return "unknown";
}

std::vector<RowSpan> UnrollSpans(const Trace& trace, UnrollMode mode) {
  std::vector<RowSpan> spans;
  if (trace.messages.empty()) return spans;
  switch (mode) {
    case UnrollMode::kSeed:
      UnrollSeed(trace, &spans);
      break;
    case UnrollMode::kPerTurn:
      UnrollPerTurn(trace, &spans);
      break;
    case UnrollMode::kPerQuery:
      UnrollPerQuery(trace, &spans);
      break;
  }
  return spans;
}

std::vector<Row> UnrollTrace(const Trace& trace, UnrollMode mode) {
  std::vector<Row> rows;
  for (RowSpan& span : UnrollSpans(trace, mode)) {
    Row row;
    row.id = std::move(span.id);
    row.original_id = trace.id;
    row.truncation_point = span.truncation_point;
    row.target_from = span.target_from;
    row.messages.assign(trace.messages.begin(),
                        trace.messages.begin() + static_cast<std::ptrdiff_t>(span.end));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ToolsJsonString(const std::vector<ToolDef>& tools) {
  Json list = Json::array();
  for (const ToolDef& tool : tools) list.push_back(tool.json);
  return base::DumpJson(list);
}

namespace {

Json StringOrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json MessageToDatasetJson(const Message& m) {
  Json out = Json::object();
  out["role"] = std::string(RoleName(m.role));
  if (m.content || !m.content_parts.is_null())
    out["content"] = m.Text();
  else
    out["content"] = nullptr;
  out["reasoning_content"] = m.reasoning_content ? Json(*m.reasoning_content) : Json(nullptr);
  if (m.tool_calls.empty()) {
    out["tool_calls"] = nullptr;
  } else {
    Json calls = Json::array();
    for (const ToolCall& c : m.tool_calls) {
      Json call = Json::object();
      call["id"] = c.id;
      call["type"] = c.type;
      call["function"] = {{"name", c.name}, {"arguments", c.arguments}};
      calls.push_back(std::move(call));
    }
    out["tool_calls"] = std::move(calls);
  }
  out["tool_call_id"] = StringOrNull(m.tool_call_id);
  out["name"] = StringOrNull(m.name);
  return out;
}

}  // namespace

Json RowToDatasetJson(const Row& row, const std::string& tools_json) {
  Json out = Json::object();
  out["id"] = row.id;
  out["original_id"] = row.original_id;
  out["truncation_point"] = row.truncation_point == 0 ? Json(nullptr) : Json(row.truncation_point);
  out["target_from"] = row.target_from;
  out["split"] = row.split;
  Json messages = Json::array();
  for (const Message& m : row.messages) messages.push_back(MessageToDatasetJson(m));
  out["messages"] = std::move(messages);
  out["tools"] = tools_json;
  return out;
}

DatasetRowEncoder::DatasetRowEncoder(const Trace& trace) {
  messages_.reserve(trace.messages.size());
  for (const Message& m : trace.messages)
    messages_.push_back(base::DumpJson(MessageToDatasetJson(m)));
  base::AppendJsonString(&tools_literal_, ToolsJsonString(trace.tools));
  base::AppendJsonString(&original_id_literal_, trace.id);
}

void DatasetRowEncoder::AppendRow(const RowSpan& span, std::string_view split,
                                  std::string* out) const {
  // Same keys, order and text as base::DumpJson(RowToDatasetJson(row, tools_json)).
  out->append("{\"id\":");
  base::AppendJsonString(out, span.id);
  out->append(",\"original_id\":");
  out->append(original_id_literal_);
  out->append(",\"truncation_point\":");
  if (span.truncation_point == 0) {
    out->append("null");
  } else {
    base::StrAppend(out, span.truncation_point);
  }
  base::StrAppend(out, ",\"target_from\":", span.target_from, ",\"split\":");
  base::AppendJsonString(out, split);
  out->append(",\"messages\":[");
  for (size_t i = 0; i < span.end && i < messages_.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(messages_[i]);
  }
  out->append("],\"tools\":");
  out->append(tools_literal_);
  out->push_back('}');
}

}  // namespace tracemill::trace
