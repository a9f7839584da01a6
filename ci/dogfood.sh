#!/usr/bin/env bash
# Dogfooding: profgate gates its own hot paths. Usage: ci/dogfood.sh [BUILD_DIR]
#
# Generates the inputs of the repository's own profgate.json (two ~74 MB folded
# files, bench/dogfood/gen_inputs.py), then with BUILD_DIR's profgate both as
# the tool and as the program under test (bench/dogfood/run.sh):
#   1. profgate record: the baseline of HEAD, into a temporary directory store
#      (CI here has no remote and no notes to fetch a baseline from);
#   2. profgate check --base HEAD against it: a self-comparison, so any
#      verdict but "pass" is the gate's own false alarm or a broken tool.
# The report goes to BUILD_DIR/dogfood-report (PROFGATE_DOGFOOD_REPORT=DIR
# elsewhere); the path is printed.
#
# Exit status: 0 when check passes; 0 with a warning when it is inconclusive
# (3: too noisy to decide, which a busy machine can cause); 2 when the inputs,
# the record or the check failed (a broken tool always fails the build).
# A regression (check's 1) in a self-comparison is a false alarm, and what
# it means depends on the metric:
#   - wall, cpu, function (hot-path shares) are measured on the clock and
#     move with the load of a shared machine (peak_rss, with the kernel's
#     handling of pages, goes with them). On a 2-vCPU machine shared with
#     other builds and fuzzers, the CPU time of the same binary on the same
#     input grew by 42% (p = 0.008) between the record and the check a
#     minute later: no threshold that still means something makes that
#     reliable, and the same commit cannot have regressed. A warning, exit 0.
#   - peak_heap, alloc_count, alloc_bytes, leaked_bytes and function_heap
#     of a deterministic program are the same in every run (exact). A
#     self-comparison that differs there is a real bug (in profgate's
#     determinism or in the gate): exit 1.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
build=${1:-build}
if [ ! -x "$build/harness/profgate" ]; then
  echo "ci/dogfood.sh: no profgate at '$build/harness/profgate': build it first (bash ci/build.sh $build)" >&2
  exit 2
fi
pg="$(cd "$build" && pwd)/harness/profgate"
# The benchmarks run the profgate of this build, not build/'s (run.sh's default).
export PROFGATE_DOGFOOD_BIN="$pg"
report=${PROFGATE_DOGFOOD_REPORT:-$build/dogfood-report}

if ! python3 bench/dogfood/gen_inputs.py; then
  echo "ci/dogfood.sh: generating the inputs failed" >&2
  exit 2
fi

store=$(mktemp -d "${TMPDIR:-/tmp}/profgate-dogfood-store.XXXXXX") || exit 2
trap 'rm -rf "$store"' EXIT

echo "== ci/dogfood.sh: profgate record (profgate.json, baseline of HEAD into a temporary store) =="
if ! "$pg" record -c profgate.json --store "$store"; then
  echo "ci/dogfood.sh: profgate record failed (see above)" >&2
  exit 2
fi

echo "== ci/dogfood.sh: profgate check --base HEAD (a self-comparison) =="
# This is not the run whose summary belongs on a pull request: keep it out
# of GitHub's step summary and annotations if ci/test.sh runs in Actions.
rm -f "$report/result.json"  # never read a previous run's verdicts below
env -u GITHUB_STEP_SUMMARY -u GITHUB_ACTIONS \
  "$pg" check -c profgate.json --store "$store" --base HEAD --out "$report"
status=$?
if [ -f "$report/summary.md" ]; then
  echo "ci/dogfood.sh: summary.md says: $(head -n 1 "$report/summary.md")"
fi
echo "ci/dogfood.sh: profgate check exited $status; ${SECONDS} s in all (inputs, record, check)"
echo "ci/dogfood.sh: report: $(cd "$report" 2>/dev/null && pwd || echo "$report")/index.html"

case $status in
  0) echo "ci/dogfood.sh: pass"; exit 0 ;;
  3) echo "ci/dogfood.sh: warning: inconclusive (too noisy to decide on this machine); not a failure"; exit 0 ;;
  1) # Which metrics regressed decides (see the top of this file).
     regressed=$(python3 - "$report/result.json" <<'PY'
import json, sys
MACHINE = {"wall", "cpu", "function", "peak_rss"}
with open(sys.argv[1]) as f:
    result = json.load(f)
for b in result["benchmarks"]:
    for m in b["metrics"]:
        if m["verdict"] == "regressed":
            what = m["metric"] + (" '%s'" % m["function"] if m.get("function") else "")
            print("%s %s: %s" % ("machine" if m["metric"] in MACHINE else "exact", b["name"], what))
PY
) || { echo "ci/dogfood.sh: FAIL: cannot read $report/result.json" >&2; exit 2; }
     echo "$regressed" | sed 's/^[a-z]* /ci\/dogfood.sh: regressed: /'
     if [ -z "$regressed" ]; then
       echo "ci/dogfood.sh: FAIL: profgate check exited 1 but $report/result.json names no regression" >&2
       exit 2
     fi
     if echo "$regressed" | grep -q '^exact '; then
       echo "ci/dogfood.sh: FAIL: the same commit regressed in a metric that does not depend on the machine's load: a bug in profgate's determinism or in the gate" >&2
       exit 1
     fi
     echo "ci/dogfood.sh: warning: a timing, hot-path or RSS regression against a baseline of the same commit recorded a minute earlier: the machine's load changed; a false alarm, not a failure"
     exit 0 ;;
  *) echo "ci/dogfood.sh: FAIL: profgate check failed (exit $status: a tool or configuration error)" >&2
     exit 2 ;;
esac
