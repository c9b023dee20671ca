#!/usr/bin/env bash
# One command for every benchmark: builds what it needs, runs the native Google
# Benchmark program, the node harness (WASM core vs native, plain JS, tfjs-wasm,
# onnxruntime-web), the same W1/W2 workloads in headless Chromium and the browser
# drag benchmark, the training benchmark (bench/node/train.mjs), then writes
# docs/performance.md.
#
#   ./bench/run.sh            full run (~7-9 minutes on 2 cores)
#   ./bench/run.sh --quick    fewer batches (a smoke run; the page says so)
#   ./bench/run.sh --no-browser
#
# Raw results: bench/results/*.json (not committed). Benchmarks, not tests.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
browser=1
for a in "$@"; do
  case "$a" in
    --quick) quick=(--quick) ;;
    --no-browser) browser=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$a' (expected --quick, --no-browser)" >&2; exit 2 ;;
  esac
done

step() { printf '\n=== %s\n' "$*" >&2; }

step "dependencies"
bash scripts/install_deps.sh
if ! dpkg-query -W -f='${Status}' libbenchmark-dev 2>/dev/null | grep -q "install ok installed"; then
  sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libbenchmark-dev >/dev/null
fi
# bench-only devDependencies (tfjs, onnxruntime-web) come with package-lock.json
[[ -d node_modules/@tensorflow/tfjs-backend-wasm && -d node_modules/onnxruntime-web ]] || npm ci --no-audit --no-fund --loglevel=error

step "native build (bench preset: Release, -march=native)"
cmake --preset bench >/dev/null
cmake --build --preset bench -j"$(nproc 2>/dev/null || echo 2)"

step "WebAssembly build"
./build_wasm.sh

step "WebAssembly build of bench/native/train_bench.cpp (the core's flags: -O3 -flto -msimd128 -fwasm-exceptions)"
mkdir -p build/wasm-bench
NODE_PATH=/usr/share/nodejs em++ -std=c++17 -O3 -DNDEBUG -flto -msimd128 -fwasm-exceptions -ffp-contract=off \
  -Isrc -I/usr/include/eigen3 bench/native/train_bench.cpp build/wasm/libattention_core.a \
  -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 -sSINGLE_FILE=1 -o build/wasm-bench/train_bench.cjs

mkdir -p bench/results
step "machine"
node -e '
const os = require("os"), { execSync } = require("child_process");
const sh = (c) => { try { return execSync(c, { encoding: "utf8" }).trim(); } catch { return ""; } };
const l = sh("lscpu");
const f = (k) => (l.match(new RegExp("^" + k + ":\\s*(.*)$", "m")) || [])[1] || "";
const flags = f("Flags").split(/\s+/);
const simd = ["sse4_2", "avx", "avx2", "fma", "avx512f"].filter((x) => flags.includes(x)).join(" ");
const m = { cpu: f("Model name"), cores: Number(f("CPU\\(s\\)")) || os.cpus().length, flags: simd,
  caches: ["L1d", "L2", "L3"].map((c) => c + " " + f(c + " cache")).join(", "),
  os: sh(". /etc/os-release && echo \"$PRETTY_NAME\""), gcc: sh("g++ --version | head -1"),
  emcc: "emscripten " + (sh("dpkg-query -W -f=\"\\${Version}\" emscripten") || "?") };
require("fs").writeFileSync("bench/results/machine.json", JSON.stringify(m, null, 1));
console.error(m);'

step "node harness (native + WASM + peers)"
node bench/node/harness.mjs "${quick[@]}"

step "training steps per second (WASM trainer vs tfjs-wasm / tfjs-cpu vs native)"
node bench/node/train.mjs "${quick[@]}"

if [[ $browser -eq 1 ]]; then
  step "W1/W2 in headless Chromium (WASM core, plain JS, tfjs-wasm, onnxruntime-web)"
  node bench/browser/kernels.mjs "${quick[@]}"
  step "browser drag benchmark (headless Chromium)"
  node bench/browser/drag.mjs
  step "JavaScript allocation per frame (headless Chromium)"
  node bench/browser/alloc.mjs
  step "longest main-thread task on load, resize and theme change (headless Chromium)"
  node bench/browser/tasks.mjs
fi

step "report"
node bench/report.mjs
echo "docs/performance.md written" >&2
