#!/usr/bin/env bash
# The dependency directions of DESIGN section 1, checked on the sources: kernels/, comm/ and
# launcher/ include nothing of src/tandem; only models/ itself and the umbrella header include
# models/ (models/ depends on training/, never the reverse); plus the kernel-dispatch seam and
# the core/ops/math layering of DESIGN section 2. Prints each offending line.
set -u
root=${1:?usage: layering.sh <repository root>}
cd "$root" || exit 2
status=0
offend() {  # $1: what is forbidden, then grep's matches on stdin
  local hits
  hits=$(cat)
  if [ -n "$hits" ]; then
    echo "layering: $1:"
    echo "$hits"
    status=1
  fi
}
# (Process substitution, not a pipe: offend must run in this shell to set status.)
offend "kernels/, comm/ and launcher/ must not include src/tandem" \
  < <(grep -rn '#include "tandem/' kernels comm launcher)
offend "only models/ includes models/ (training/ and the layers below it must not)" \
  < <(grep -rn '#include "tandem/models/' src/tandem --include='*.h' --include='*.cc' |
    grep -v '^src/tandem/models/' | grep -v '^src/tandem/tandem.h:')
# DESIGN section 2: ops reach kernels only through the dispatch seam (ops/dispatch.*), which checks
# the device once per kernel family; no other op file names a device's kernels or repeats a device
# check.
ops_files=$(ls src/tandem/ops/*.cc src/tandem/ops/*.h | grep -v '^src/tandem/ops/dispatch\.\(cc\|h\)$')
offend "only ops/dispatch.* reaches kernels::cpu / kernels::cuda" \
  < <(grep -nE 'kernels::(cpu|cuda)\b|"kernels/(cpu|cuda)/' $ops_files)
offend "op files must not check devices themselves (dispatch checks each kernel family)" \
  < <(grep -nE 'kernel is not built|device\(\)\.is_cpu\(\)' $ops_files)
offend "core/ must not include ops/ (core is below the ops)" \
  < <(grep -rn '#include "tandem/ops/' src/tandem/core)
offend "math.cc must not include reduction.h (the reductions are built on math)" \
  < <(grep -n '#include "tandem/ops/reduction.h"' src/tandem/ops/math.cc)
offend "no writes through a Tensor's const data in ops/, io/, data/ (fill a MutableTensor)" \
  < <(grep -rnE 'const_cast<[^>]*>\([^)]*(raw_data|data<)' src/tandem/ops src/tandem/io src/tandem/data)
[ $status -eq 0 ] && echo "layering: OK"
exit $status
