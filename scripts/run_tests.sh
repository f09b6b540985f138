#!/usr/bin/env bash
# The whole test suite: install dependencies, build with warnings as errors, check formatting, run
# every test, and build an outside project against the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
CMAKE_ARGS="-DTANDEM_WERROR=ON ${CMAKE_ARGS:-}" scripts/build.sh

scripts/check_format.sh

(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600)

# Install into a scratch prefix and build examples/find_package against it.
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install build --prefix "$prefix" >/dev/null
cmake -S examples/find_package -B "$prefix/consumer-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer-build" >/dev/null
# Without LD_LIBRARY_PATH: the installed libraries must find each other through their RUNPATH.
env -u LD_LIBRARY_PATH "$prefix/consumer-build/consumer"
env -u LD_LIBRARY_PATH "$prefix/bin/tandem-records" --help >/dev/null
echo "find_package(Tandem) consumer: OK"
