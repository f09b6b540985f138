#!/usr/bin/env bash
# Configures and builds Tandem in ./build (Release). CUDA is used when /usr/local/cuda (or nvcc on
# PATH) exists; pass -DTANDEM_ENABLE_CUDA=OFF in CMAKE_ARGS to skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
