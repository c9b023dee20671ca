#!/usr/bin/env bash
# Installs what the tests need, from Debian's archive and npm only (no other network).
# Idempotent: packages already present are not touched; npm ci runs only when
# package-lock.json is newer than the installed tree.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in cmake g++ make clang-format libeigen3-dev catch2 nlohmann-json3-dev emscripten chromium python3 python3-pytest python3-setuptools python3-pip python3-wheel python3-numpy jupyter-nbconvert python3-ipykernel mkdocs hugo jekyll; do
  have "$pkg" || need+=("$pkg")
done
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)

if [[ ${#need[@]} -gt 0 ]]; then
  echo "install_deps: apt-get install ${need[*]}" >&2
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install_deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
