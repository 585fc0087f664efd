// Helpers shared by GoogleTest tests; include only from *_test.cc files.
#ifndef TRACEMILL_LIBS_BASE_TEST_UTIL_H_
#define TRACEMILL_LIBS_BASE_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace tracemill::base {

// An empty directory of the running test's own, under the GoogleTest temp dir.
inline std::string FreshTestDir() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  auto dir = std::filesystem::path(testing::TempDir()) /
             ("tracemill_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_TEST_UTIL_H_
