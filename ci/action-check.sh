#!/usr/bin/env bash
# Step of ci/action.yml (and usable from any CI): runs profgate check with the
# PG_* variables as options, and leaves the exit status in $GITHUB_OUTPUT
# (status=N) instead of failing here, so that the report is uploaded and the
# comment posted before ci/action-verdict.sh decides.
set -uo pipefail
args=(check -c "${PG_CONFIG:-profgate.json}" --out "${PG_OUT:-profgate-report}")
[ -n "${PG_BASE:-}" ] && args+=(--base "$PG_BASE")
[ -n "${PG_REPORT_URL:-}" ] && args+=(--report-url "$PG_REPORT_URL")
[ -n "${PG_SHARD:-}" ] && args+=(--shard "$PG_SHARD")
for b in ${PG_BENCHMARKS:-}; do args+=(--bench "$b"); done
profgate "${args[@]}"
status=$?
echo "profgate check exited $status"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "status=$status" >> "$GITHUB_OUTPUT"
else
  echo "$status" > "${PG_OUT:-profgate-report}/.status"
fi
exit 0
