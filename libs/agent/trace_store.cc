#include "libs/agent/trace_store.h"

#include "libs/base/file_io.h"
#include "libs/base/json.h"
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

void TraceStore::Save(const trace::Trace& trace) {
  std::string contents = base::DumpJson(trace::TraceToJson(trace)) + "\n";
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
