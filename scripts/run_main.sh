#!/usr/bin/env bash
# The main job: install dependencies, build, and train the Fashion-MNIST CNN
# (examples/fashion_mnist_cnn.cc) for 5 epochs data-parallel on 2 ranks, started by tandemrun: the
# progress bar (rank 0), validation on the test set, the best epoch kept in build/main_job/best.tdm
# and a BackupAndRestore backup in build/main_job/backup (killed and run again, it resumes where
# it stopped). Ends with "Test accuracy: <value>". The one-process run stays available:
# ./build/examples/fashion_mnist_cnn
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
./build/launcher/tandemrun -np 2 ./build/examples/fashion_mnist_cnn --output-dir build/main_job
