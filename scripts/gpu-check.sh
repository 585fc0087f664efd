#!/usr/bin/env bash
# The trainer's GPU check, for a machine with an NVIDIA GPU and PyTorch (nothing else
# needed: no Abseil, gRPC or ZeroMQ): builds libs/model, libs/train and
# bench/gpu/gpu_check against PyTorch's own libtorch, creates a random 4B-shaped Qwen3 on
# the GPU and trains LoRA adapters in bf16 with gradient checkpointing, 20 steps at 4096
# tokens and 3 at 32768, printing tokens/s, model FLOPs utilisation and peak GPU memory.
#
#   scripts/gpu-check.sh [gpu_check flags, which override the defaults]
#
# Needs nlohmann/json.hpp: installed, or in NLOHMANN_JSON_INCLUDE=DIR, or copied to
# .gpu-deps/include/nlohmann/ (how the device tool carries it). PYTHON picks the Python
# whose torch to build against (default python3). The build uses CMake with
# torch.utils.cmake_prefix_path; if PyTorch's CMake package cannot be configured on the
# machine, it compiles directly with the flags torch.utils.cpp_extension gives.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
python=${PYTHON:-python3}
build=${BUILD_DIR:-build-gpu}
mkdir -p "$build"

"$python" - <<'PY'
import torch
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device"
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}): {gpu}")
PY
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

json_include=${NLOHMANN_JSON_INCLUDE:-}
if [ -z "$json_include" ] && [ -f .gpu-deps/include/nlohmann/json.hpp ]; then
  json_include=$PWD/.gpu-deps/include
fi

build_with_cmake() {
  local prefix generator=()
  prefix=$("$python" -c 'import torch;print(torch.utils.cmake_prefix_path)')
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S bench/gpu -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DNLOHMANN_JSON_INCLUDE="$json_include" >"$build/configure.log" 2>&1 ||
    { tail -20 "$build/configure.log"; return 1; }
  cmake --build "$build" -j "$(nproc)"
}

build_directly() {
  local flags
  flags=$("$python" - <<'PY'
import torch, torch.utils.cpp_extension as ext
cuda = torch.version.cuda is not None
try:
    inc = ext.include_paths(device_type="cuda" if cuda else "cpu")
    libs = ext.library_paths(device_type="cuda" if cuda else "cpu")
except TypeError:  # before device_type
    inc, libs = ext.include_paths(cuda=cuda), ext.library_paths(cuda=cuda)
abi = int(torch._C._GLIBCXX_USE_CXX11_ABI)
out = [f"-D_GLIBCXX_USE_CXX11_ABI={abi}"] + [f"-I{p}" for p in inc]
if cuda:
    out.append("-DTRACEMILL_TORCH_CUDA=1")
out += [f"-L{p}" for p in libs] + [f"-Wl,-rpath,{p}" for p in libs]
out += ["-ltorch", "-ltorch_cpu", "-lc10"] + (["-ltorch_cuda", "-lc10_cuda"] if cuda else [])
print(" ".join(out))
PY
)
  local cxx=${CXX:-g++} objs=() src
  local compile=(-std=c++20 -O2 -Wno-deprecated-declarations -I. -Ibench/gpu/absl_shim ${json_include:+-I"$json_include"})
  local sources=(bench/gpu/gpu_check.cc libs/model/{safetensors,qwen3_config,qwen3_model,lora,torch_dtype}.cc
                 libs/train/{adamw8bit,batch,loss,optimizer,schedule,tensorboard,trainer}.cc)
  mkdir -p "$build/obj"
  for src in "${sources[@]}"; do objs+=("$build/obj/$(basename "${src%.cc}").o"); done
  # One compiler per core; the link needs them all.
  printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    "$cxx ${compile[*]} $flags -c {} -o $build/obj/\$(basename {} .cc).o"
  # shellcheck disable=SC2086
  $cxx -o "$build/gpu_check" "${objs[@]}" $flags -pthread
}

if [ "${GPU_CHECK_DIRECT:-0}" = 1 ] || ! build_with_cmake; then
  echo "building directly with torch.utils.cpp_extension's flags"
  build_directly
fi
echo "built in $(( $(date +%s) - start )) s"
# Interoperability first (seconds): transformers + PEFT load tracemill's model and adapter.
if "$python" -c 'import peft, transformers, safetensors' 2>/dev/null; then
  rm -rf "$build/export"
  "$build/gpu_check" --export "$build/export" --device cpu --dtype float32 --preset tiny \
    --steps 0 --long-steps 0 && "$python" bench/gpu/peft_check.py "$build/export" ||
    echo "peft check FAILED"
else
  echo "peft check skipped: transformers, peft or safetensors is not installed for $python"
fi
"$build/gpu_check" --preset 4b-shape --device cuda --dtype bfloat16 --steps 20 --seq 4096 \
  --long-steps 3 --long-seq 32768 "$@"
echo "gpu-check done in $(( $(date +%s) - start )) s"
