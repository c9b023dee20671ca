#!/usr/bin/env bash
# Fuzzes the CLI's problem runner (tests/fuzz/cli_fuzz.cpp) with libFuzzer + ASan + UBSan.
#
#   scripts/fuzz.sh [SECONDS]      default 60; FUZZ_JOBS=2 runs two workers
#
# Needs clang and libFuzzer (Debian: apt-get install -y clang libclang-rt-14-dev).
# Starts from tests/fuzz/corpus (the seeds stay as they are; new inputs go to
# build/fuzz/corpus) with the dictionary tests/fuzz/cli.dict. A crash, sanitizer report or
# broken promise is written to tests/fuzz/crashes/, where every native build replays it as
# the ctest fuzz_replay: fix the bug, keep the file. Not part of CI beyond a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
jobs="${FUZZ_JOBS:-1}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install -y clang libclang-rt-14-dev)" >&2; exit 2; }

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 --target attention_fuzz
mkdir -p build/fuzz/corpus tests/fuzz/crashes
log=build/fuzz/fuzz.log
# -max_len: problems worth fuzzing are small; -timeout/-rss_limit_mb: a slow or huge case is a
# finding too (the CLI promises limits before work). 30 s because the largest dimension draw
# allowed ((n + 1) · d = 2^24 normals) takes ~3 s in release and ~12 s under the fuzzer's
# instrumentation. Output of every run goes to $log.
set +e
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  build/fuzz/attention_fuzz build/fuzz/corpus tests/fuzz/corpus \
  -dict=tests/fuzz/cli.dict -max_len=4096 -timeout=30 -report_slow_units=30 -rss_limit_mb=2048 \
  -max_total_time="$seconds" $([[ "$jobs" -gt 1 ]] && echo "-jobs=$jobs -workers=$jobs") \
  -artifact_prefix=tests/fuzz/crashes/ -print_final_stats=1 2>&1 | tee "$log" | grep -E "^#[0-9]+.*(pulse|DONE)|ERROR|broken promise|stat::"
status=${PIPESTATUS[0]}
set -e
# With -jobs the workers log to fuzz-N.log; gather their final stats too.
runs=$( (grep -h "stat::number_of_executed_units" "$log" fuzz-*.log 2>/dev/null || true) | awk '{s += $2} END {print s + 0}')
rm -f fuzz-*.log
new=$(git status --porcelain --untracked-files=all tests/fuzz/crashes | wc -l)
echo "fuzz.sh: ${runs} inputs in ${seconds} s, libFuzzer exit status ${status}; ${new} new file(s) in tests/fuzz/crashes"
exit "$status"
