# tm_cc_library(NAME <name> SRCS ... [HDRS ...] [DEPS ...] [PRIVATE_DEPS ...])
#   Declares tracemill_<name> with alias tracemill::<name>. DEPS are PUBLIC (a public
#   header needs them), PRIVATE_DEPS are for the .cc files only.
# tm_cc_test(NAME <name> SRCS ... [DEPS ...] [LABELS ...] [SERIAL])
#   A GoogleTest binary registered with ctest, one ctest entry per test case.
# tm_fuzzer(NAME <name> SRCS ... [DEPS ...] [CORPUS <dir>])
#   SRCS define LLVMFuzzerTestOneInput. With TRACEMILL_BUILD_FUZZERS=ON (clang, and
#   -fsanitize=fuzzer-no-link in CMAKE_CXX_FLAGS) it is a libFuzzer binary; otherwise it is
#   linked with a replay main and ctest runs it over CORPUS, so every build checks that
#   the seed inputs (and any crash reproducers added there) still pass.

set(TRACEMILL_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

function(tm_cc_library)
  cmake_parse_arguments(TM "" "NAME" "SRCS;HDRS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target tracemill_${TM_NAME})
  add_library(${target} STATIC ${TM_SRCS} ${TM_HDRS})
  add_library(tracemill::${TM_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_compile_options(${target} PRIVATE ${TRACEMILL_WARNINGS})
  target_link_libraries(${target} PUBLIC ${TM_DEPS} PRIVATE ${TM_PRIVATE_DEPS})
endfunction()

function(tm_cc_test)
  cmake_parse_arguments(TM "SERIAL" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT TRACEMILL_BUILD_TESTS)
    return()
  endif()
  add_executable(${TM_NAME} ${TM_SRCS})
  target_compile_options(${TM_NAME} PRIVATE ${TRACEMILL_WARNINGS})
  target_include_directories(${TM_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${TM_NAME} PRIVATE ${TM_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${TM_NAME} PRIVATE
    TRACEMILL_SOURCE_DIR="${PROJECT_SOURCE_DIR}" TRACEMILL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set(labels unit)
  if(TM_LABELS)
    set(labels ${TM_LABELS})
  endif()
  # SERIAL: the test runs alone (it uses every core itself; beside others, both slow down).
  set(serial FALSE)
  if(TM_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${TM_NAME} PROPERTIES LABELS "${labels}" RUN_SERIAL ${serial} DISCOVERY_TIMEOUT 60)
endfunction()

function(tm_fuzzer)
  cmake_parse_arguments(TM "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  add_executable(${TM_NAME} ${TM_SRCS})
  target_include_directories(${TM_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${TM_NAME} PRIVATE ${TM_DEPS})
  if(TRACEMILL_BUILD_FUZZERS)
    target_link_options(${TM_NAME} PRIVATE -fsanitize=fuzzer)
  else()
    target_link_libraries(${TM_NAME} PRIVATE tracemill::fuzz_replay_main)
    if(TRACEMILL_BUILD_TESTS AND TM_CORPUS)
      add_test(NAME ${TM_NAME}.replay COMMAND ${TM_NAME} ${TM_CORPUS})
      set_tests_properties(${TM_NAME}.replay PROPERTIES LABELS "unit;fuzz")
    endif()
  endif()
endfunction()

# tm_use_fast_malloc(<target>): link mimalloc into an executable when it is installed.
function(tm_use_fast_malloc target)
  if(TRACEMILL_MIMALLOC)
    target_link_libraries(${target} PRIVATE ${TRACEMILL_MIMALLOC})
  endif()
endfunction()
