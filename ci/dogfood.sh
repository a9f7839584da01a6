#!/usr/bin/env bash
# Dogfooding: profgate gates its own hot paths. Usage: ci/dogfood.sh [BUILD_DIR]
#
# Generates the inputs of the repository's own profgate.json (two ~74 MB folded
# files, bench/dogfood/gen_inputs.py), then compares HEAD with itself both
# ways profgate check can, with BUILD_DIR's profgate as the measuring tool:
#   1. profgate record: the baseline of HEAD, into a temporary directory store
#      (CI here has no remote and no notes to fetch a baseline from), the
#      benchmarks running BUILD_DIR's profgate (bench/dogfood/run.sh);
#   2. profgate check --compare baseline --base HEAD against it;
#   3. profgate check --compare interleaved --base HEAD: HEAD checked out
#      into a temporary worktree and built there by profgate.json's "build"
#      (ci/dogfood-build.sh), the checkout's build/ rebuilt by the same
#      command, and each side's benchmarks run with its own
#      build/harness/profgate, in pairs. This is what a pull request of
#      profgate gets by default, since profgate.json has a "build".
# As comparisons of a commit with itself, any verdict but "pass" is the
# gate's own false alarm or a broken tool. The reports go to
# BUILD_DIR/dogfood-report/baseline and .../interleaved
# (PROFGATE_DOGFOOD_REPORT=DIR elsewhere); the paths are printed.
#
# Exit status: 0 when both checks pass; 0 with a warning when one is
# inconclusive (3: too noisy to decide, which a busy machine can cause); 2
# when the inputs, the record or a check failed (a broken tool always fails
# the build). A regression (check's 1) in a self-comparison is a false
# alarm, and what it means depends on the metric:
#   - wall, cpu, function (hot-path shares) are measured on the clock and
#     move with the load of a shared machine (peak_rss, with the kernel's
#     handling of pages, goes with them). On a 2-vCPU machine shared with
#     other builds and fuzzers, the CPU time of the same binary on the same
#     input grew by 42% (p = 0.008) between the record and the check a
#     minute later: against a stored baseline no threshold that still means
#     something makes that reliable, and the same commit cannot have
#     regressed. A warning, exit 0, in either mode.
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
reports=${PROFGATE_DOGFOOD_REPORT:-$build/dogfood-report}

if ! python3 bench/dogfood/gen_inputs.py; then
  echo "ci/dogfood.sh: generating the inputs failed" >&2
  exit 2
fi

store=$(mktemp -d "${TMPDIR:-/tmp}/profgate-dogfood-store.XXXXXX") || exit 2
trap 'rm -rf "$store"' EXIT

# judge MODE STATUS REPORT: what check's exit STATUS means for a
# self-comparison; returns 0 (pass or warning), 1 (an exact metric
# regressed) or 2 (a broken tool).
judge() {
  local mode=$1 status=$2 report=$3 regressed
  if [ -f "$report/summary.md" ]; then
    echo "ci/dogfood.sh: $mode: summary.md says: $(head -n 1 "$report/summary.md")"
  fi
  echo "ci/dogfood.sh: $mode: profgate check exited $status; report: $(cd "$report" 2>/dev/null && pwd || echo "$report")/index.html"
  case $status in
    0) echo "ci/dogfood.sh: $mode: pass"; return 0 ;;
    3) # A base that was never measured (its build failed, say) is not
       # noise: with the same commit on both sides, the set-up is broken.
       if ! python3 - "$report/result.json" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    result = json.load(f)
sys.exit(0 if any(b["runs"]["baseline"] for b in result["benchmarks"]) else 1)
PY
       then
         echo "ci/dogfood.sh: $mode: FAIL: inconclusive without a single run of the base: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("note") or "see the report")' "$report/result.json" 2>/dev/null)" >&2
         return 2
       fi
       echo "ci/dogfood.sh: $mode: warning: inconclusive (too noisy to decide on this machine); not a failure"; return 0 ;;
    1) # Which metrics regressed decides (see the top of this file).
       regressed=$(python3 - "$report/result.json" <<'PY'
import json, sys
MACHINE = {"wall", "cpu", "function", "peak_rss", "sys_cpu"}
with open(sys.argv[1]) as f:
    result = json.load(f)
for b in result["benchmarks"]:
    for m in b["metrics"]:
        if m["verdict"] == "regressed":
            what = m["metric"] + (" '%s'" % m["function"] if m.get("function") else "")
            print("%s %s: %s" % ("machine" if m["metric"] in MACHINE else "exact", b["name"], what))
PY
) || { echo "ci/dogfood.sh: $mode: FAIL: cannot read $report/result.json" >&2; return 2; }
       echo "$regressed" | sed "s/^[a-z]* /ci\/dogfood.sh: $mode: regressed: /"
       if [ -z "$regressed" ]; then
         echo "ci/dogfood.sh: $mode: FAIL: profgate check exited 1 but $report/result.json names no regression" >&2
         return 2
       fi
       if echo "$regressed" | grep -q '^exact '; then
         echo "ci/dogfood.sh: $mode: FAIL: the same commit regressed in a metric that does not depend on the machine's load: a bug in profgate's determinism or in the gate" >&2
         return 1
       fi
       echo "ci/dogfood.sh: $mode: warning: a timing, hot-path or RSS regression of the same commit: the machine's load changed; a false alarm, not a failure"
       return 0 ;;
    *) echo "ci/dogfood.sh: $mode: FAIL: profgate check failed (exit $status: a tool or configuration error)" >&2
       return 2 ;;
  esac
}

echo "== ci/dogfood.sh: profgate record (profgate.json, baseline of HEAD into a temporary store) =="
if ! PROFGATE_DOGFOOD_BIN="$pg" "$pg" record -c profgate.json --store "$store"; then
  echo "ci/dogfood.sh: profgate record failed (see above)" >&2
  exit 2
fi

echo "== ci/dogfood.sh: profgate check --compare baseline --base HEAD (against the baseline just recorded) =="
rm -f "$reports/baseline/result.json"  # never read a previous run's verdicts
env -u GITHUB_STEP_SUMMARY -u GITHUB_ACTIONS PROFGATE_DOGFOOD_BIN="$pg" \
  "$pg" check -c profgate.json --store "$store" --base HEAD --compare baseline --out "$reports/baseline"
judge baseline $? "$reports/baseline"
first=$?

echo "== ci/dogfood.sh: profgate check --compare interleaved --base HEAD (HEAD built again in a worktree, pairs) =="
rm -f "$reports/interleaved/result.json"
env -u GITHUB_STEP_SUMMARY -u GITHUB_ACTIONS -u PROFGATE_DOGFOOD_BIN \
  "$pg" check -c profgate.json --store "$store" --base HEAD --compare interleaved --out "$reports/interleaved"
judge interleaved $? "$reports/interleaved"
second=$?

echo "ci/dogfood.sh: ${SECONDS} s in all (inputs, record, two checks)"
if [ $first -eq 2 ] || [ $second -eq 2 ]; then exit 2; fi
if [ $first -eq 1 ] || [ $second -eq 1 ]; then exit 1; fi
exit 0
