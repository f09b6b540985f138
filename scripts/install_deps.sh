#!/usr/bin/env bash
# Installs every build and run dependency from Debian 12's apt registry. Idempotent: when all packages
# are present it does nothing (no apt-get update).
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config clang-format
  libgtest-dev libgmock-dev
  libopenblas-openmp-dev libdnnl-dev
  libtrilinos-kokkos-dev
  nlohmann-json3-dev
  libprotobuf-dev protobuf-compiler
  libopenmpi-dev openmpi-bin
  zlib1g-dev
  # tests/unit/io/tensorboard_events_reader_test.py: an independent reader of our event files
  python3-protobuf python3-crc32c
  dataset-fashion-mnist
  # A one-node Slurm cluster for the slurm-labelled tests (cluster/localhost-slurm/up). Slurm's
  # PMIx plugin (srun --mpi=pmix) dlopens the unversioned libpmix.so, which only libpmix-dev ships.
  slurm-wlm munge libpmix-dev
  procps  # pgrep and ps: the launcher and Slurm tests check that no process is left behind
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
