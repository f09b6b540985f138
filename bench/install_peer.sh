#!/usr/bin/env bash
# Installs the benchmarks' peer: Debian's PyTorch (python3-torch 1.13) and NumPy for /usr/bin/python3.
# Not part of scripts/install_deps.sh: the tests never need it (bench/run --smoke runs without the
# peer); bench/run prints peer=0 for every case when it is missing.
set -euo pipefail
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends python3-torch python3-numpy
/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__)'
