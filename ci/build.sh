#!/usr/bin/env bash
# Configures and builds profgate. Usage: ci/build.sh [BUILD_DIR] [extra cmake args...]
# CI=true turns warnings into errors.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
werror=OFF
[ "${CI:-}" = true ] && werror=ON
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_WERROR=$werror "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
