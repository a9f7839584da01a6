#!/usr/bin/env bash
# Posts $PG_OUT/summary.md (default profgate-report/) as the note of the
# merge request the pipeline runs for, or updates the note it posted before,
# through GitLab's API with PROFGATE_GITLAB_TOKEN (a project access token with
# api scope). Its note is the one whose body starts with a hidden marker and
# whose author is the token's own user: a note someone else wrote, even
# quoting the marker, is never edited. Every page of the notes is read: a busy
# merge request has hundreds (each push adds system notes). When the check
# wrote no summary.md, the note says so (with $PG_STATUS), so that it never
# keeps showing the verdict of an earlier push. Used by
# ci/gitlab-profgate.yml; needs curl and python3.
set -uo pipefail
out="${PG_OUT:-profgate-report}"
summary="$out/summary.md"
: "${PROFGATE_GITLAB_TOKEN:?set PROFGATE_GITLAB_TOKEN (project access token, api scope) to post the merge-request note}"
: "${CI_API_V4_URL:?not in a GitLab CI job (CI_API_V4_URL is not set)}" "${CI_PROJECT_ID:?CI_PROJECT_ID is not set}"
: "${CI_MERGE_REQUEST_IID:?not in a merge-request pipeline (CI_MERGE_REQUEST_IID is not set)}"
api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
marker='<!-- profgate-comment -->'

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The token goes to curl in a file, not on its command line (which any
# process of the machine can read).
printf 'PRIVATE-TOKEN: %s\n' "$PROFGATE_GITLAB_TOKEN" > "$tmp/auth"
if [ -f "$summary" ]; then
  { echo "$marker"; cat "$summary"; } > "$tmp/body"
else
  echo "gitlab-note: no $summary (the check failed before writing it)" >&2
  {
    echo "$marker"
    echo "## ❌ profgate: **the check did not run to the end** (exit status ${PG_STATUS:-unknown})"
    echo
    echo "No report was written: see the log of the job${CI_JOB_URL:+ ($CI_JOB_URL)}."
  } > "$tmp/body"
fi

fail() { echo "gitlab-note: $*" >&2; exit 1; }
# call OUTFILE CURL_ARGS...: one API request; on an error, GitLab's answer goes to stderr.
call() {
  local outfile=$1
  shift
  curl -sS --fail-with-body -H "@$tmp/auth" "$@" > "$outfile" && return 0
  sed 's/^/gitlab-note:   /' "$outfile" >&2
  return 1
}

# The token's own user: the author of the notes this script posts.
call "$tmp/user" "$CI_API_V4_URL/user" ||
  fail "cannot ask $CI_API_V4_URL/user who the token is (see above)"
me=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/user") ||
  fail "unexpected answer from $CI_API_V4_URL/user"

existing="" page=1
while :; do
  call "$tmp/page" "$api?sort=asc&order_by=created_at&per_page=100&page=$page" ||
    fail "cannot list the notes of merge request !$CI_MERGE_REQUEST_IID (see above)"
  # Prints the id of our note on this page (or nothing), then how many notes the page held.
  read -r existing count < <(python3 - "$tmp/page" "$marker" "$me" <<'EOF'
import json, sys
path, marker, me = sys.argv[1:4]
with open(path, encoding="utf-8") as f:
    notes = json.load(f)
ours = [str(n["id"]) for n in notes
        if not n.get("system") and str((n.get("author") or {}).get("id")) == me
        and (n.get("body") or "").startswith(marker)]
print(ours[0] if ours else "-", len(notes))
EOF
  ) || fail "unexpected answer listing the notes (page $page)"
  [ "$existing" = - ] && existing=""
  if [ -n "$existing" ] || [ "$count" -lt 100 ]; then
    break
  fi
  page=$((page + 1))
done

if [ -n "$existing" ]; then
  call "$tmp/answer" -X PUT --data-urlencode "body@$tmp/body" "$api/$existing" ||
    fail "cannot update note $existing (see above)"
  echo "gitlab-note: updated note $existing on merge request !$CI_MERGE_REQUEST_IID"
else
  call "$tmp/answer" -X POST --data-urlencode "body@$tmp/body" "$api" ||
    fail "cannot post a note on merge request !$CI_MERGE_REQUEST_IID (see above)"
  echo "gitlab-note: posted a note on merge request !$CI_MERGE_REQUEST_IID"
fi
