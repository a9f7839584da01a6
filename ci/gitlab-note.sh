#!/usr/bin/env bash
# Posts profgate-report/summary.md as a merge-request note, or updates the
# note posted before (found by a hidden marker), through GitLab's API with
# PROFGATE_GITLAB_TOKEN. Used by ci/gitlab-profgate.yml.
set -euo pipefail
summary="${PG_OUT:-profgate-report}/summary.md"
[ -f "$summary" ] || { echo "gitlab-note: no $summary: no note posted" >&2; exit 0; }
: "${PROFGATE_GITLAB_TOKEN:?set PROFGATE_GITLAB_TOKEN (project access token, api scope)}"
api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
marker='<!-- profgate-comment -->'
body="$(printf '%s\n' "$marker"; cat "$summary")"
existing=$(curl -sf -H "PRIVATE-TOKEN: $PROFGATE_GITLAB_TOKEN" "$api?per_page=100" |
  python3 -c 'import json,sys; m=sys.argv[1]; print(next((str(n["id"]) for n in json.load(sys.stdin) if n["body"].startswith(m)), ""))' "$marker")
if [ -n "$existing" ]; then
  curl -sf -X PUT -H "PRIVATE-TOKEN: $PROFGATE_GITLAB_TOKEN" --data-urlencode "body=$body" "$api/$existing" > /dev/null
  echo "gitlab-note: updated note $existing"
else
  curl -sf -X POST -H "PRIVATE-TOKEN: $PROFGATE_GITLAB_TOKEN" --data-urlencode "body=$body" "$api" > /dev/null
  echo "gitlab-note: posted a note"
fi
