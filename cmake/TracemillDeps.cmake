# Every third-party dependency is found here and nowhere else.
# The pure-data libraries need only Abseil, nlohmann-json, yaml-cpp and protobuf;
# libtorch is looked for only when TRACEMILL_WITH_TORCH is ON, and then it is required.

find_package(Threads REQUIRED)
find_package(absl REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Protobuf REQUIRED)
find_package(CLI11 REQUIRED)
# libs/net: HTTP for the LLM client and MCP's HTTP transport, on one event loop.
find_package(CURL 7.68 REQUIRED)

if(TRACEMILL_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

if(TRACEMILL_WITH_TORCH)
  # Required, not skipped when missing: a build without libtorch has none of the torch
  # tests, and its test run would still pass. QUIET only to give our message instead.
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR "tracemill: TRACEMILL_WITH_TORCH is ON but libtorch was not found. "
                        "Install it (apt-get install libtorch-dev, or scripts/deps.sh), point "
                        "Torch_DIR at its CMake package (TorchConfig.cmake), or configure with "
                        "-DTRACEMILL_WITH_TORCH=OFF to build without the model, train and serve "
                        "parts and their tests.")
  endif()
  message(STATUS "tracemill: libtorch found (${TORCH_INSTALL_PREFIX})")
endif()

# mimalloc replaces malloc in the binaries (not the libraries): parsing and rewriting
# traces allocates many small strings and JSON nodes, and the curate/unroll benchmark
# runs about 1.5x faster with it than with glibc's allocator.
find_library(TRACEMILL_MIMALLOC mimalloc)

# libs/text: NFC normalisation and case mapping (utf8proc), the pre-tokenizer regex (PCRE2).
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
