#!/usr/bin/env bash
# Configures and builds tracemill into build/ (ccache-accelerated). Extra arguments go to
# cmake, e.g. scripts/build.sh -DCMAKE_BUILD_TYPE=Debug. A missing dependency that the
# build or its tests need (libtorch included) fails the configure and this script; it does
# not go on to build less.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

# cmake's output is kept in build/configure.log and shown only on failure or warnings.
configure() {
  mkdir -p build
  if ! cmake "$@" >build/configure.log 2>&1; then
    cat build/configure.log >&2
    echo "tracemill: configuring build/ failed (output above, and in build/configure.log)" >&2
    exit 1
  fi
  if grep -q "CMake .*Warning" build/configure.log; then cat build/configure.log >&2; fi
}
if [ ! -f build/build.ninja ]; then
  configure -S . -B build -G Ninja "$@"
elif [ $# -gt 0 ]; then
  configure -S . -B build "$@"
fi
cmake --build build -j "$jobs"
