#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds, runs
# every Check suite and integration test with ctest, then the unit suites and
# integration tests again with the harness built with ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI runs the browser tests of the HTML reports too: Chromium, Node and
# playwright-core are installed for them.
export PROFGATE_BROWSER_TESTS=1
# and the package test (integration/package): debootstrap of a fresh Debian 12 root.
export PROFGATE_PACKAGE_TESTS=1
bash ci/install-deps.sh
bash ci/build.sh build
(cd build && ctest --output-on-failure --timeout 1800 -j2)
bash ci/dogfood.sh build  # profgate's own benchmarks (profgate.json): HEAD against a baseline of itself, then against itself built in a worktree, in pairs
bash ci/build.sh build-asan -DPG_SANITIZE=ON
# (The package test builds its own packages, without sanitizers: once is enough.)
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure --timeout 600 -j2 -LE package)
bash ci/valgrind.sh build && bash ci/fuzz.sh 20  # the harness under memcheck; a short fuzz run of every reader
