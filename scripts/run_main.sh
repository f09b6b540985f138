#!/usr/bin/env bash
# The main job: install dependencies, build, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
./build/examples/tensor_demo
