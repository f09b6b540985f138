#!/usr/bin/env bash
# The dependency directions of DESIGN section 1, checked on the sources: kernels/, comm/ and
# launcher/ include nothing of src/tandem; only models/ itself and the umbrella header include
# models/ (models/ depends on training/, never the reverse). Prints each offending include.
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
[ $status -eq 0 ] && echo "layering: OK"
exit $status
