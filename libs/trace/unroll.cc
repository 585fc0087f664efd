#include "libs/trace/unroll.h"

#include <cstddef>
#include <utility>

#include "libs/base/str_cat.h"

namespace tracemill::trace {
namespace {

// A row holding messages[0..last], copied once.
Row PrefixRow(const Trace& trace, std::string id, size_t last, int truncation_point,
              int target_from) {
  Row row;
  row.id = std::move(id);
  row.original_id = trace.id;
  row.truncation_point = truncation_point;
  row.target_from = target_from;
  row.messages.assign(trace.messages.begin(),
                      trace.messages.begin() + static_cast<std::ptrdiff_t>(last + 1));
  return row;
}

void UnrollSeed(const Trace& trace, std::vector<Row>* rows) {
  const std::vector<Message>& msgs = trace.messages;
  int ordinal = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].role != Role::kAssistant) continue;
    ++ordinal;
    if (i > 0 && msgs[i - 1].role == Role::kUser) {
      rows->push_back(PrefixRow(trace, base::StrCat(trace.id, "_trunc_", ordinal), i, ordinal,
                                static_cast<int>(i)));
    }
  }
  rows->push_back(PrefixRow(trace, trace.id, msgs.size() - 1, 0, 0));
}

void UnrollPerTurn(const Trace& trace, std::vector<Row>* rows) {
  const std::vector<Message>& msgs = trace.messages;
  int ordinal = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].role != Role::kAssistant) continue;
    ++ordinal;
    rows->push_back(PrefixRow(trace, base::StrCat(trace.id, "_trunc_", ordinal), i, ordinal,
                              static_cast<int>(i)));
  }
}

void UnrollPerQuery(const Trace& trace, std::vector<Row>* rows) {
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
      rows->push_back(PrefixRow(trace, base::StrCat(trace.id, "_query_", query),
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

std::vector<Row> UnrollTrace(const Trace& trace, UnrollMode mode) {
  std::vector<Row> rows;
  if (trace.messages.empty()) return rows;
  switch (mode) {
    case UnrollMode::kSeed:
      UnrollSeed(trace, &rows);
      break;
    case UnrollMode::kPerTurn:
      UnrollPerTurn(trace, &rows);
      break;
    case UnrollMode::kPerQuery:
      UnrollPerQuery(trace, &rows);
      break;
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

}  // namespace tracemill::trace
