#!/usr/bin/env bash
# Runs every test: native Catch2 (release, then ASan+UBSan), WASM parity in node,
# real-browser tests in Debian's Chromium, the npm package as a user installs it
# (tests/package/) and the Python package (tests/python/, pytest). Installs what is
# missing first.
#
#   ./test.sh            everything
#   ./test.sh native     only the native Catch2 suites (release + sanitizers)
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-all}"
case "$what" in all|native) ;; *) echo "test.sh: unknown argument '$what' (expected: all or native)" >&2; exit 2 ;; esac

jobs=$(nproc 2>/dev/null || echo 2)
step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
bash scripts/install_deps.sh

step "native build and Catch2 tests (release)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

step "native Catch2 tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
# halt_on_error + -fno-sanitize-recover: any report fails its test.
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --preset asan -j"$jobs"

[[ "$what" == native ]] && exit 0

step "state codec property tests and the layout's rules (node)"
node --test tests/js/

step "WebAssembly build"
./build_wasm.sh

step "lint and format (ESLint), types (tsc --checkJs over web/js), C++ format (clang-format)"
npx eslint .
npx tsc -p tsconfig.json
bash scripts/clang-format.sh --check

step "WASM parity with the native CLI (node)"
ATTN_CLI="$PWD/build/release/attention-cli" node --test tests/wasm/

step "browser tests (Chromium + playwright-core)"
node --test --test-concurrency=1 tests/browser/

step "npm package: pack, offline install, node, esbuild + Chromium, TypeScript, widget, playground.html, Python HTML"
node --test --test-concurrency=1 tests/package/

step "Python package (Debian's python3 + pytest)"
/usr/bin/python3 -m pytest -q tests/python

printf '\nAll tests passed.\n'
