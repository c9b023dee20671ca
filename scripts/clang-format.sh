#!/usr/bin/env bash
# Formats the C++ of src/, tests/ and bench/native/ with clang-format (.clang-format).
#   scripts/clang-format.sh           rewrite the files in place
#   scripts/clang-format.sh --check   list what is not formatted and fail (./test.sh runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format.sh: clang-format is missing (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/native/*.cpp')
if [[ "${1:-}" == --check ]]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
