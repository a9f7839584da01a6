#!/usr/bin/env bash
# Last step of ci/action.yml: turns profgate check's status into the step's.
# 0 passes; 1 (regression) and 2 (error) fail; 3 (inconclusive: no baseline,
# history too shallow, too noisy) is a warning unless PG_FAIL_ON_INCONCLUSIVE.
set -u
status="${PG_STATUS:-2}"
case "$status" in
  0) echo "profgate: no regression"; exit 0 ;;
  1) echo "::error::profgate: a benchmark regressed (see the PR comment and the report artifact)"; exit 1 ;;
  3) if [ "${PG_FAIL_ON_INCONCLUSIVE:-false}" = true ]; then
       echo "::error::profgate: inconclusive (no baseline or too noisy to decide)"; exit 1
     fi
     echo "::warning::profgate: inconclusive (no baseline or too noisy to decide); see the report"; exit 0 ;;
  *) echo "::error::profgate check failed with status $status (a tool or configuration error)"; exit 2 ;;
esac
