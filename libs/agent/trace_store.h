// Where agents' traces go while they run: DIR/<trace id>.json, replaced atomically
// (temp file, fsync, rename, fsync of the directory) at every step boundary, so a crash
// or kill -9 leaves the trace as of its last step, with outcome "incomplete" until the
// agent finishes. Writes happen on a background thread: the event loop never waits for
// the disk. When snapshots of one trace queue up faster than the disk takes them, only
// the newest is written.
//
//   TraceStore store(dir);
//   store.Save(trace);        // after each step; cheap
//   TM_RETURN_IF_ERROR(store.Flush());
#ifndef TRACEMILL_LIBS_AGENT_TRACE_STORE_H_
#define TRACEMILL_LIBS_AGENT_TRACE_STORE_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "libs/trace/trace.h"

namespace tracemill::agent {

class TraceStore {
 public:
  explicit TraceStore(std::string dir);
  ~TraceStore();  // writes what is queued
  TraceStore(const TraceStore&) = delete;
  TraceStore& operator=(const TraceStore&) = delete;

  // Call from one thread at a time (the event loop's). Messages are serialised once: a
  // trace's messages are append-only while it runs, so each Save serialises only the new
  // ones (and re-checks the last one it had), not the whole trace again.
  void Save(const trace::Trace& trace);
  // Waits until every queued snapshot is on disk; the first write error, if any.
  absl::Status Flush();
  std::string PathFor(const std::string& trace_id) const;
  const std::string& dir() const { return dir_; }

 private:
  void Writer();
  std::string Serialise(const trace::Trace& trace);

  // Per running trace: its messages and tools as JSON text, as far as serialised.
  struct Cached {
    size_t messages = 0;
    std::string messages_text;  // "m0,m1,..."
    std::string last;           // the last message's text, to notice it being edited
    size_t tools = 0;
    std::string tools_text;
  };
  std::map<std::string, Cached> cache_;  // by trace id; Save's thread only

  std::string dir_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::map<std::string, std::string> pending_;  // path → newest contents
  std::deque<std::string> order_;               // paths in first-queued order
  int writing_ = 0;
  bool stop_ = false;
  absl::Status error_;
  std::thread thread_;
};

}  // namespace tracemill::agent

#endif  // TRACEMILL_LIBS_AGENT_TRACE_STORE_H_
