#!/usr/bin/env bash
# Last step of ci/action.yml: turns profgate's status (PG_STATUS, from
# ci/action-check.sh) into the step's. 0 passes; 1 (regression) and 2 (error)
# fail with that status; 3 (inconclusive: no baseline, history too shallow,
# too noisy) is a warning, or fails with 3 when PG_FAIL_ON_INCONCLUSIVE is
# true. No status at all means the check never ran (an earlier step failed).
set -u
status="${PG_STATUS:-}"
fail_on_inconclusive="${PG_FAIL_ON_INCONCLUSIVE:-false}"
case "$status" in
  0) echo "profgate: no regression"; exit 0 ;;
  1) echo "::error::profgate: a benchmark regressed (see the PR comment and the report artifact)"; exit 1 ;;
  3) if [ "${fail_on_inconclusive,,}" = true ]; then
       echo "::error::profgate: inconclusive (no baseline, history too shallow, or too noisy to decide), and fail-on-inconclusive is set; see the report"
       exit 3
     fi
     echo "::warning::profgate: inconclusive (no baseline, history too shallow, or too noisy to decide); see the report"
     exit 0 ;;
  "") echo "::error::profgate: the check did not run (an earlier step failed)"; exit 2 ;;
  *) echo "::error::profgate failed with status $status (a tool, configuration or benchmark error; see the log of the check step)"; exit 2 ;;
esac
