#include "libs/agent/trace_store.h"

#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/trace/trace_json.h"

namespace tracemill::agent {

TraceStore::TraceStore(std::string dir) : dir_(std::move(dir)) {
  error_ = base::MakeDirs(dir_);
  thread_ = std::thread([this] { Writer(); });
}

TraceStore::~TraceStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string TraceStore::PathFor(const std::string& trace_id) const {
  return dir_ + "/" + trace_id + ".json";
}

namespace {

// Stand-ins for the messages and tools in the trace's header, replaced by the cached text.
const trace::Message& MessagesMark() {
  static const trace::Message* mark = [] {
    auto* m = new trace::Message();
    m->role = trace::Role::kUser;
    m->content = "\x01tracemill-trace-store-messages\x01";
    return m;
  }();
  return *mark;
}
const Json& ToolsMark() {
  static const Json* mark = new Json("\x01tracemill-trace-store-tools\x01");
  return *mark;
}

}  // namespace

std::string TraceStore::Serialise(const trace::Trace& trace) {
  Cached& c = cache_[trace.id];
  const auto& messages = trace.messages;
  if (c.messages > messages.size() ||
      (c.messages > 0 && base::DumpJson(trace::MessageToJson(messages[c.messages - 1])) != c.last)) {
    c = Cached();  // edited, not appended: start again
  }
  for (size_t i = c.messages; i < messages.size(); ++i) {
    std::string m = base::DumpJson(trace::MessageToJson(messages[i]));
    if (i > 0) c.messages_text += ',';
    c.messages_text += m;
    c.last = std::move(m);
  }
  c.messages = messages.size();
  if (c.tools != trace.tools.size()) {
    c.tools_text.clear();
    for (size_t i = 0; i < trace.tools.size(); ++i) {
      if (i > 0) c.tools_text += ',';
      c.tools_text += base::DumpJson(trace.tools[i].json);
    }
    c.tools = trace.tools.size();
  }
  // The header: everything but messages and tools, each standing in as one marker.
  trace::Trace header;
  header.id = trace.id;
  header.run_id = trace.run_id;
  header.task_id = trace.task_id;
  header.timestamp = trace.timestamp;
  header.model = trace.model;
  header.endpoint = trace.endpoint;
  header.sampling = trace.sampling;
  header.usage = trace.usage;
  header.timings = trace.timings;
  header.outcome = trace.outcome;
  header.provenance = trace.provenance;
  header.extra = trace.extra;
  header.schema_version = trace.schema_version;
  header.messages.push_back(MessagesMark());
  trace::ToolDef tools_mark;
  tools_mark.json = ToolsMark();
  header.tools.push_back(std::move(tools_mark));
  std::string text = base::DumpJson(trace::TraceToJson(header));
  static const std::string kMessages = "[" + base::DumpJson(trace::MessageToJson(MessagesMark())) + "]";
  static const std::string kTools = "[" + base::DumpJson(ToolsMark()) + "]";
  std::string out;
  out.reserve(text.size() + c.messages_text.size() + c.tools_text.size() + 8);
  const size_t m = text.find(kMessages);
  const size_t t = text.find(kTools, m + kMessages.size());
  out.append(text, 0, m);
  base::StrAppend(&out, "[", c.messages_text, "]");
  out.append(text, m + kMessages.size(), t - m - kMessages.size());
  base::StrAppend(&out, "[", c.tools_text, "]");
  out.append(text, t + kTools.size());
  out += '\n';
  if (trace.outcome.status != "incomplete") cache_.erase(trace.id);  // finished: keep no copy
  return out;
}

void TraceStore::Save(const trace::Trace& trace) {
  std::string contents = Serialise(trace);
  std::string path = PathFor(trace.id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = pending_.insert_or_assign(path, std::move(contents));
    if (fresh) order_.push_back(std::move(path));
  }
  wake_.notify_one();
}

absl::Status TraceStore::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return pending_.empty() && writing_ == 0; });
  return error_;
}

void TraceStore::Writer() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !order_.empty(); });
    if (order_.empty()) {
      if (stop_) return;
      continue;
    }
    std::string path = std::move(order_.front());
    order_.pop_front();
    auto it = pending_.find(path);
    std::string contents = std::move(it->second);
    pending_.erase(it);
    ++writing_;
    lock.unlock();
    absl::Status s = base::WriteFileAtomic(path, contents);
    lock.lock();
    --writing_;
    if (!s.ok() && error_.ok()) error_ = s;
    if (pending_.empty() && writing_ == 0) idle_.notify_all();
  }
}

}  // namespace tracemill::agent
