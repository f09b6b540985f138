#!/usr/bin/env bash
# Fails when a tracked C++/CUDA file is not clang-format clean (Google base, 100 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.h' '*.cc' '*.cu' '*.cuh' 2>/dev/null || find . -path ./build -prune -o \( -name '*.h' -o -name '*.cc' -o -name '*.cu' \) -print)
bad=()
for f in $files; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "clang-format: these files need formatting (run clang-format -i):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "clang-format: $(echo "$files" | wc -w) files clean"
