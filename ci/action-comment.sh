#!/usr/bin/env bash
# Step of ci/action.yml: posts summary.md as the PR comment, or updates the
# comment profgate posted before (found by a hidden marker), with gh and the
# workflow's token. GitHub limits a comment to 65,536 characters; summary.md
# is written to stay under it.
set -euo pipefail
summary="${PG_OUT:-profgate-report}/summary.md"
if [ ! -f "$summary" ]; then
  echo "action-comment: no $summary (profgate check failed before writing it): no comment posted" >&2
  exit 0
fi
marker='<!-- profgate-comment -->'
body="$(mktemp)"
{ echo "$marker"; cat "$summary"; } > "$body"
existing=$(gh api "repos/$PG_REPO/issues/$PG_PR/comments" --paginate \
             --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$existing" ]; then
  gh api -X PATCH "repos/$PG_REPO/issues/comments/$existing" -F "body=@$body" > /dev/null
  echo "action-comment: updated comment $existing on #$PG_PR"
else
  gh api -X POST "repos/$PG_REPO/issues/$PG_PR/comments" -F "body=@$body" > /dev/null
  echo "action-comment: posted a comment on #$PG_PR"
fi
rm -f "$body"
