#!/usr/bin/env bash
# Builds Tandem with AddressSanitizer + UndefinedBehaviorSanitizer (TANDEM_SANITIZE=ON, CPU only)
# in ./build-sanitize and runs the unit tests under it; any report fails the test that caused it.
# Extra ctest arguments pass through, e.g. scripts/run_sanitized_tests.sh -R '^core_'.
# The mpirun, launcher and Slurm tests are left out: Open MPI's own allocations are reported as
# leaks.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-sanitize}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_SANITIZE=ON \
  -DTANDEM_ENABLE_CUDA=OFF -DTANDEM_BUILD_EXAMPLES=OFF -DTANDEM_BUILD_BENCH=OFF \
  -DTANDEM_WERROR=ON ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 1800 -E '^(mpi_|dp_failure)' -LE 'slurm|launcher' "$@"
