#include "libs/trace/trace_proto.h"

#include "libs/base/json.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "proto/tracemill/v1/trace.pb.h"

namespace tracemill::trace {
namespace {

std::string ExtraText(const Json& extra) {
  return extra.empty() ? std::string() : base::DumpJson(extra);
}

absl::StatusOr<Json> ExtraFrom(const std::string& text, std::string_view field) {
  if (text.empty()) return Json::object();
  TM_ASSIGN_OR_RETURN(Json j, base::ParseJson(text, field));
  if (!j.is_object()) return absl::InvalidArgumentError(base::StrCat(field, ": expected object"));
  return j;
}

}  // namespace

absl::Status TraceToProto(const Trace& t, v1::Trace* proto) {
  proto->Clear();
  v1::TraceMeta* meta = proto->mutable_meta();
  meta->set_id(t.id);
  meta->set_run_id(t.run_id);
  meta->set_task_id(t.task_id);
  meta->set_model(t.model);
  meta->set_endpoint(t.endpoint);
  meta->set_timestamp(t.timestamp);
  meta->set_schema_version(t.schema_version);
  if (!t.sampling.empty()) meta->set_sampling_json(base::DumpJson(t.sampling));
  if (!t.usage.empty()) {
    auto* u = meta->mutable_usage();
    u->set_prompt_tokens(t.usage.prompt_tokens);
    u->set_completion_tokens(t.usage.completion_tokens);
    u->set_total_tokens(t.usage.total_tokens);
    u->set_requests(t.usage.requests);
  }
  if (!t.timings.empty()) {
    auto* tm = meta->mutable_timings();
    tm->set_started_at(t.timings.started_at);
    tm->set_ended_at(t.timings.ended_at);
    tm->set_duration_ms(t.timings.duration_ms);
    tm->set_model_ms(t.timings.model_ms);
    tm->set_tool_ms(t.timings.tool_ms);
  }
  if (!t.outcome.empty()) {
    auto* o = meta->mutable_outcome();
    o->set_status(t.outcome.status);
    if (t.outcome.reward) o->set_reward(*t.outcome.reward);
    o->set_detail(t.outcome.detail);
  }
  for (const Message& m : t.messages) {
    v1::Message* pm = proto->add_messages();
    pm->set_role(std::string(RoleName(m.role)));
    if (m.content) pm->set_content(*m.content);
    if (!m.content_parts.is_null()) pm->set_content_parts_json(base::DumpJson(m.content_parts));
    if (m.reasoning_content) pm->set_reasoning_content(*m.reasoning_content);
    for (const ToolCall& c : m.tool_calls) {
      v1::ToolCall* pc = pm->add_tool_calls();
      pc->set_id(c.id);
      pc->set_type(c.type);
      pc->set_name(c.name);
      pc->set_arguments(c.arguments);
      pc->set_extra_json(ExtraText(c.extra));
      pc->set_function_extra_json(ExtraText(c.function_extra));
    }
    pm->set_tool_call_id(m.tool_call_id);
    pm->set_name(m.name);
    pm->set_guidance(m.guidance);
    pm->set_extra_json(ExtraText(m.extra));
  }
  for (const ToolDef& tool : t.tools) {
    v1::ToolDef* pt = proto->add_tools();
    pt->set_name(tool.name);
    pt->set_json(base::DumpJson(tool.json));
  }
  for (const Provenance& p : t.provenance) {
    v1::Provenance* pp = proto->add_provenance();
    pp->set_op(p.op);
    pp->set_detail(p.detail);
    pp->set_message_index(p.message_index);
  }
  proto->set_extra_json(ExtraText(t.extra));
  return absl::OkStatus();
}

absl::StatusOr<Trace> TraceFromProto(const v1::Trace& proto) {
  Trace t;
  const v1::TraceMeta& meta = proto.meta();
  t.id = meta.id();
  t.run_id = meta.run_id();
  t.task_id = meta.task_id();
  t.model = meta.model();
  t.endpoint = meta.endpoint();
  t.timestamp = meta.timestamp();
  t.schema_version = meta.schema_version();
  std::string where = base::StrCat("trace ", t.id);
  TM_ASSIGN_OR_RETURN(t.sampling, ExtraFrom(meta.sampling_json(), where + ": sampling"));
  if (meta.has_usage()) {
    t.usage = {meta.usage().prompt_tokens(), meta.usage().completion_tokens(),
               meta.usage().total_tokens(), meta.usage().requests()};
  }
  if (meta.has_timings()) {
    const auto& tm = meta.timings();
    t.timings = {tm.started_at(), tm.ended_at(), tm.duration_ms(), tm.model_ms(), tm.tool_ms()};
  }
  if (meta.has_outcome()) {
    t.outcome.status = meta.outcome().status();
    if (meta.outcome().has_reward()) t.outcome.reward = meta.outcome().reward();
    t.outcome.detail = meta.outcome().detail();
  }
  for (int i = 0; i < proto.messages_size(); ++i) {
    const v1::Message& pm = proto.messages(i);
    std::string path = base::StrCat(where, ": messages[", i, "]");
    Message m;
    if (!ParseRole(pm.role(), &m.role)) {
      return absl::InvalidArgumentError(
          base::StrCat(path, ".role: unknown role \"", pm.role(), "\""));
    }
    if (pm.has_content()) m.content = pm.content();
    if (!pm.content_parts_json().empty()) {
      TM_ASSIGN_OR_RETURN(m.content_parts,
                          base::ParseJson(pm.content_parts_json(), path + ".content"));
    }
    if (pm.has_reasoning_content()) m.reasoning_content = pm.reasoning_content();
    for (const v1::ToolCall& pc : pm.tool_calls()) {
      ToolCall c;
      c.id = pc.id();
      c.type = pc.type();
      c.name = pc.name();
      c.arguments = pc.arguments();
      TM_ASSIGN_OR_RETURN(c.extra, ExtraFrom(pc.extra_json(), path + ".tool_calls.extra"));
      TM_ASSIGN_OR_RETURN(c.function_extra,
                          ExtraFrom(pc.function_extra_json(), path + ".tool_calls.function"));
      m.tool_calls.push_back(std::move(c));
    }
    m.tool_call_id = pm.tool_call_id();
    m.name = pm.name();
    m.guidance = pm.guidance();
    TM_ASSIGN_OR_RETURN(m.extra, ExtraFrom(pm.extra_json(), path + ".extra"));
    t.messages.push_back(std::move(m));
  }
  for (int i = 0; i < proto.tools_size(); ++i) {
    ToolDef tool;
    tool.name = proto.tools(i).name();
    TM_ASSIGN_OR_RETURN(
        tool.json, base::ParseJson(proto.tools(i).json(), base::StrCat(where, ": tools[", i, "]")));
    t.tools.push_back(std::move(tool));
  }
  for (const v1::Provenance& pp : proto.provenance()) {
    t.provenance.push_back({pp.op(), pp.detail(), pp.message_index()});
  }
  TM_ASSIGN_OR_RETURN(t.extra, ExtraFrom(proto.extra_json(), where + ": extra"));
  return t;
}

}  // namespace tracemill::trace
