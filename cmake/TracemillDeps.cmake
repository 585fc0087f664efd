# Every third-party dependency is found here and nowhere else.
# The pure-data libraries need only Abseil, nlohmann-json, yaml-cpp and protobuf;
# libtorch and gRPC/ZeroMQ are looked for only when their option is ON.

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
  find_package(Torch QUIET)
  if(Torch_FOUND)
    message(STATUS "tracemill: libtorch found (${TORCH_INSTALL_PREFIX})")
  else()
    message(STATUS "tracemill: TRACEMILL_WITH_TORCH is ON but libtorch was not found; "
                   "the torch libraries are skipped (apt-get install libtorch-dev)")
    set(TRACEMILL_WITH_TORCH OFF)
  endif()
endif()

if(TRACEMILL_WITH_SERVICES)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(GRPCPP QUIET IMPORTED_TARGET grpc++)
    pkg_check_modules(LIBZMQ QUIET IMPORTED_TARGET libzmq)
  endif()
  if(GRPCPP_FOUND AND LIBZMQ_FOUND)
    message(STATUS "tracemill: gRPC ${GRPCPP_VERSION} and ZeroMQ ${LIBZMQ_VERSION} found")
  else()
    message(STATUS "tracemill: TRACEMILL_WITH_SERVICES is ON but gRPC/ZeroMQ were not found; "
                   "the services are skipped (apt-get install libgrpc++-dev libzmq3-dev)")
    set(TRACEMILL_WITH_SERVICES OFF)
  endif()
endif()

# mimalloc replaces malloc in the binaries (not the libraries): parsing and rewriting
# traces allocates many small strings and JSON nodes, and the curate/unroll benchmark
# runs about 1.5x faster with it than with glibc's allocator.
find_library(TRACEMILL_MIMALLOC mimalloc)

# libs/text: NFC normalisation and case mapping (utf8proc), the pre-tokenizer regex (PCRE2).
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
