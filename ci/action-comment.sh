#!/usr/bin/env bash
# Step of ci/action.yml: posts $PG_OUT/summary.md as the comment of pull
# request $PG_PR in $PG_REPO, or updates the comment it posted before, with gh
# and the token in GH_TOKEN. Its comment is the one whose body starts with a
# hidden marker and whose author is $PG_COMMENT_AUTHOR (default
# github-actions[bot], the author of everything posted with the workflow's
# token): a comment someone else wrote, even quoting the marker, is never
# edited. When the check wrote no summary.md (profgate failed, or an earlier
# step did), the comment says so (with $PG_STATUS), so that it never keeps
# showing the verdict of an earlier push.
#
# Posting needs `permissions: pull-requests: write`. The token of a pull
# request from a fork is read-only: the comment is then left out with a
# warning, and the verdict step still decides the job. GitHub limits a
# comment to 65,536 characters; summary.md is written to stay under it.
#
# When the report is not published (no PG_REPORT_URL), the comment ends with
# a link to the report's artifact, PG_ARTIFACT_URL (upload-artifact's
# artifact-url): a zip to download and open, not a page.
set -uo pipefail
: "${PG_REPO:?set PG_REPO to owner/name}" "${PG_PR:?set PG_PR to the pull request number}"
out="${PG_OUT:-profgate-report}"
summary="$out/summary.md"
author="${PG_COMMENT_AUTHOR:-github-actions[bot]}"
marker='<!-- profgate-comment -->'

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
if [ -f "$summary" ]; then
  { echo "$marker"; cat "$summary"; } > "$body"
  if [ -z "${PG_REPORT_URL:-}" ] && [ -n "${PG_ARTIFACT_URL:-}" ]; then
    {
      echo
      echo "The full report (flame graphs, HTML): [the artifact of this run]($PG_ARTIFACT_URL), a zip; open"' `index.html` in it.'
    } >> "$body"
  fi
else
  run_url=""
  if [ -n "${GITHUB_RUN_ID:-}" ]; then
    run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-$PG_REPO}/actions/runs/$GITHUB_RUN_ID"
  fi
  echo "action-comment: no $summary (the check failed before writing it)" >&2
  {
    echo "$marker"
    echo "## ❌ profgate: **the check did not run to the end** (exit status ${PG_STATUS:-unknown})"
    echo
    echo "No report was written: see the log of the job${run_url:+ ($run_url)}."
  } > "$body"
fi

# Every page of the comments (gh prints one JSON array per page), then the id
# of the first comment that is ours. python3 rather than gh's --jq, so that
# the selection does not depend on the gh version.
comments="$(mktemp)"
trap 'rm -f "$body" "$comments"' EXIT
if ! gh api --paginate "repos/$PG_REPO/issues/$PG_PR/comments?per_page=100" > "$comments"; then
  echo "::warning::profgate: cannot list the comments of #$PG_PR (see above): no comment posted"
  exit 0
fi
existing=$(python3 - "$comments" "$marker" "$author" <<'EOF'
import json, sys
path, marker, author = sys.argv[1:4]
with open(path, encoding="utf-8") as f:
    text = f.read()
decoder, pos, found = json.JSONDecoder(), 0, []
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    page, pos = decoder.raw_decode(text, pos)
    for c in page:
        if (c.get("user") or {}).get("login") == author and (c.get("body") or "").startswith(marker):
            found.append(c["id"])
print(found[0] if found else "")
EOF
) || { echo "::warning::profgate: cannot read the comments of #$PG_PR: no comment posted"; exit 0; }

if [ -n "$existing" ]; then
  if gh api -X PATCH "repos/$PG_REPO/issues/comments/$existing" -F "body=@$body" > /dev/null; then
    echo "action-comment: updated comment $existing on #$PG_PR"
  else
    echo "::warning::profgate: cannot update comment $existing on #$PG_PR (see above)"
  fi
else
  if gh api -X POST "repos/$PG_REPO/issues/$PG_PR/comments" -F "body=@$body" > /dev/null; then
    echo "action-comment: posted a comment on #$PG_PR"
  else
    echo "::warning::profgate: cannot post a comment on #$PG_PR (see above; a pull request from a fork gets a read-only token)"
  fi
fi
exit 0
