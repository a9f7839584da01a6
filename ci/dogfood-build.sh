#!/usr/bin/env bash
# The "build" of profgate.json (profgate's own benchmarks): what an
# interleaved `profgate check` runs in the checkout and in the temporary
# worktree of the base commit, so that each side's benchmarks run the
# profgate built from that side (bench/dogfood/run.sh looks for
# build/harness/profgate) on that side's inputs.
#
#   - build/ already configured (CI, or a developer's checkout): rebuilt as
#     it is configured, tests and all, so nothing in it is switched off;
#   - otherwise (a fresh worktree): configured and built without the test
#     suites, which the benchmarks do not need;
#   - then the inputs (bench/dogfood/gen_inputs.py: a few seconds the first
#     time, nothing once they are current).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f build/CMakeCache.txt ]; then
  cmake --build build -j"$(nproc)"
else
  bash ci/build.sh build -DPG_TESTS=OFF
fi
python3 bench/dogfood/gen_inputs.py
