// Minimal leveled logging to stderr.
//
//   TM_LOG(INFO) << "read " << n << " traces";
//
// Thread-safe: each statement is formatted into its own buffer and written with one
// write(2). The level threshold is process-wide and set by mains (SetMinLogLevel); the
// default is INFO. Libraries log only what an operator needs; they never log secrets.
#ifndef TRACEMILL_LIBS_BASE_LOGGING_H_
#define TRACEMILL_LIBS_BASE_LOGGING_H_

#include <sstream>
#include <string_view>

namespace tracemill::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
// Parses "debug", "info", "warning", "error", "off"; returns false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* level);

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace tracemill::base

#define TM_LOG_LEVEL_DEBUG ::tracemill::base::LogLevel::kDebug
#define TM_LOG_LEVEL_INFO ::tracemill::base::LogLevel::kInfo
#define TM_LOG_LEVEL_WARNING ::tracemill::base::LogLevel::kWarning
#define TM_LOG_LEVEL_ERROR ::tracemill::base::LogLevel::kError

#define TM_LOG(severity)                                            \
  if (TM_LOG_LEVEL_##severity < ::tracemill::base::MinLogLevel()) { \
  } else                                                            \
    ::tracemill::base::LogMessage(TM_LOG_LEVEL_##severity, __FILE__, __LINE__).stream()

#endif  // TRACEMILL_LIBS_BASE_LOGGING_H_
