#!/usr/bin/env bash
# Build the attention core to WebAssembly and copy it to web/generated/.
#
#   ./build_wasm.sh                      build only
#   ./build_wasm.sh --serve [--port N]   build, then serve web/ on http://127.0.0.1:N (default 8000)
#
# Uses Debian's emscripten (3.1.6) and Eigen; installs them with apt-get if missing.
set -euo pipefail

cd "$(dirname "$0")"

serve=0
port=8000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --serve) serve=1; shift ;;
    --port)
      [[ $# -ge 2 ]] || { echo "build_wasm.sh: --port needs a number" >&2; exit 2; }
      port="$2"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "build_wasm.sh: unknown argument '$1' (expected --serve [--port N])" >&2; exit 2 ;;
  esac
done
if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port < 1 || port > 65535 )); then
  echo "build_wasm.sh: --port must be 1..65535, got '$port'" >&2
  exit 2
fi

# --- toolchain -----------------------------------------------------------------
missing=()
command -v emcmake >/dev/null 2>&1 || missing+=(emscripten)
[[ -f /usr/share/eigen3/cmake/Eigen3Config.cmake ]] || missing+=(libeigen3-dev)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "build_wasm.sh: installing ${missing[*]} with apt-get" >&2
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# esbuild (the pages' bundler) comes from npm (package-lock.json).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "build_wasm.sh: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# Debian's emscripten runs its JS optimiser with node and needs the distro's modules (acorn).
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

# --- build ---------------------------------------------------------------------
emcmake cmake -S . -B build/wasm \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_TESTING=OFF \
  -DEigen3_DIR=/usr/share/eigen3/cmake
cmake --build build/wasm --target attention_wasm attention_plot_wasm attention_head_wasm -j"$(nproc 2>/dev/null || echo 2)"

mkdir -p web/generated
# attention_wasm: every entry point (app, explore, the harness); attention_plot_wasm:
# only what one plot calls (the element attention-plot.js and embed.js); attention_head_wasm:
# what one real head's picture calls (the element attention-head.js, notebooks' from_tensors).
cp build/wasm/src/wasm/attention_{,plot_,head_}wasm.{mjs,wasm} web/generated/

# The pages' classic scripts (esbuild, the .wasm inlined): app.js, explore.js, embed.js
# and the drop-in element attention-plot.js. Classic scripts open from file:// too.
# Then the npm package's dist/ (index.js, node.js, attention-plot.js, widget.js, the .wasm,
# playground.html: one self-contained file) and the Python package's static copies.
node scripts/bundle.mjs

size_of() { wc -c <"$1" | tr -d ' '; }
gz_of() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
for f in web/generated/attention{,_plot,_head}_wasm.{wasm,mjs} web/generated/{app,explore,embed,attention-plot,attention-head}.js \
         dist/{index,node,widget}.js dist/playground.html; do
  printf '%-36s %8s bytes (gzip -9: %s)\n' "$f" "$(size_of "$f")" "$(gz_of "$f")"
done

if [[ $serve -eq 1 ]]; then
  exec node scripts/serve.mjs --root web --port "$port"
fi
