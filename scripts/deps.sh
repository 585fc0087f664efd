#!/usr/bin/env bash
# Installs the Debian packages tracemill builds with, only those still missing.
# Safe to run again and again; needs root (or sudo) only when something is missing.
# --browser adds Debian's chromium, for the tests labelled browser (@playwright/mcp).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libabsl-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev libmimalloc-dev
  libutf8proc-dev libpcre2-dev
  libcurl4-openssl-dev         # libs/net: HTTP on one event loop (curl's multi interface)
  protobuf-compiler libprotobuf-dev
  libgtest-dev libgmock-dev
  libtorch-dev python3-torch   # the model; python3-torch is only the tests' reference
  libopenblas0-openmp          # libtorch links libblas.so.3: without this, reference BLAS (6x slower)
)

if [ "${1:-}" = "--browser" ]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "tracemill: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
