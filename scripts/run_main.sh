#!/usr/bin/env bash
# The main job: install dependencies, build, train the Fashion-MNIST CNN (examples/fashion_mnist_cnn.cc)
# for 5 epochs and print "Test accuracy: <value>".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
./build/examples/fashion_mnist_cnn
