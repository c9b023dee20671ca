#!/usr/bin/env bash
# Fuzzes with libFuzzer + ASan + UBSan, one target at a time:
#   cli          the CLI's problem runner (tests/fuzz/cli_fuzz.cpp), the default
#   npy          attn::read_tensors as .npy (tests/fuzz/npy_fuzz.cpp)
#   safetensors  attn::read_tensors with detection: safetensors, JSON, .npy (tests/fuzz/safetensors_fuzz.cpp)
#
#   scripts/fuzz.sh [SECONDS]              the CLI, default 60 s (as before)
#   scripts/fuzz.sh TARGET [SECONDS]       FUZZ_JOBS=2 runs two workers
#
# Needs clang and libFuzzer (Debian: apt-get install -y clang libclang-rt-14-dev).
# cli starts from tests/fuzz/corpus with tests/fuzz/cli.dict and saves findings to
# tests/fuzz/crashes/; npy and safetensors start from tests/fuzz/tensors/{seeds,hostile} with
# tests/fuzz/tensors.dict and save findings to tests/fuzz/tensors/crashes/. The seeds stay as
# they are (new inputs go to build/fuzz/corpus[-TARGET]). A crash, sanitizer report or broken
# promise is written to the crashes directory, where every native build replays it as a ctest
# (fuzz_replay, npy_fuzz_replay, safetensors_fuzz_replay): fix the bug, keep the file. Not part
# of CI beyond a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
target=cli
if [[ $# -gt 0 && ! "$1" =~ ^[0-9]+$ ]]; then
  target="$1"
  shift
fi
seconds="${1:-60}"
jobs="${FUZZ_JOBS:-1}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
case "$target" in
  cli) binary=attention_fuzz; corpus=build/fuzz/corpus; seeds=(tests/fuzz/corpus); dict=tests/fuzz/cli.dict
       crashes=tests/fuzz/crashes ;;
  npy|safetensors) binary=attention_${target}_fuzz; corpus=build/fuzz/corpus-$target
       seeds=(tests/fuzz/tensors/seeds tests/fuzz/tensors/hostile); dict=tests/fuzz/tensors.dict
       crashes=tests/fuzz/tensors/crashes ;;
  *) echo "fuzz.sh: TARGET must be cli, npy or safetensors, got '$target'" >&2; exit 2 ;;
esac
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install -y clang libclang-rt-14-dev)" >&2; exit 2; }

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 --target "$binary"
mkdir -p "$corpus" "$crashes"
log=build/fuzz/fuzz$([[ $target == cli ]] || echo "-$target").log
# -max_len: problems worth fuzzing are small; -timeout/-rss_limit_mb: a slow or huge case is a
# finding too (the CLI promises limits before work). 30 s because the largest dimension draw
# allowed ((n + 1) · d = 2^24 normals) takes ~3 s in release and ~12 s under the fuzzer's
# instrumentation. Output of every run goes to $log.
set +e
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "build/fuzz/$binary" "$corpus" "${seeds[@]}" \
  -dict="$dict" -max_len=4096 -timeout=30 -report_slow_units=30 -rss_limit_mb=2048 \
  -max_total_time="$seconds" $([[ "$jobs" -gt 1 ]] && echo "-jobs=$jobs -workers=$jobs") \
  -artifact_prefix="$crashes/" -print_final_stats=1 2>&1 | tee "$log" | grep -E "^#[0-9]+.*(pulse|DONE)|ERROR|broken promise|stat::"
status=${PIPESTATUS[0]}
set -e
# With -jobs the workers log to fuzz-N.log; gather their final stats too.
runs=$( (grep -h "stat::number_of_executed_units" "$log" fuzz-*.log 2>/dev/null || true) | awk '{s += $2} END {print s + 0}')
rm -f fuzz-*.log
new=$(git status --porcelain --untracked-files=all "$crashes" | wc -l)
echo "fuzz.sh: $target: ${runs} inputs in ${seconds} s, libFuzzer exit status ${status}; ${new} new file(s) in $crashes"
exit "$status"
