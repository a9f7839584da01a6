#!/usr/bin/env bash
# Step of ci/action.yml with `pages-branch:`: publishes the report directory
# on that branch (GitHub Pages "deploy from a branch") under
# profgate/RUN_ID-ATTEMPT/, the folder whose URL ci/action-check.sh gave the
# report (report-url), so that the links of the PR comment open the HTML
# reports in a browser. Pushes with the workflow's token (contents: write);
# a push that loses a race with another run's is rebased and tried again.
# The branch grows by one report a run: prune old folders from time to time
# (docs/ci.md says how).
#
#   PG_OUT           the report directory
#   PG_PAGES_BRANCH  the branch (e.g. gh-pages), made when missing
#   PG_PUSH_ATTEMPTS tries of the push (default 5)
set -uo pipefail
out="${PG_OUT:-profgate-report}"
branch="${PG_PAGES_BRANCH:?set PG_PAGES_BRANCH to the branch GitHub Pages serves}"
id="${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}"
[ -d "$out" ] || { echo "action-pages: no report directory '$out': nothing to publish"; exit 0; }
out="$(cd "$out" && pwd)"
tmp=$(mktemp -d)
site="$tmp/site"
cleanup() { git worktree remove --force "$site" > /dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
export GIT_AUTHOR_NAME=profgate GIT_AUTHOR_EMAIL=profgate@localhost
export GIT_COMMITTER_NAME=profgate GIT_COMMITTER_EMAIL=profgate@localhost

if git fetch -q origin "+refs/heads/$branch:refs/remotes/origin/$branch" 2> /dev/null; then
  git worktree add -q --detach "$site" "refs/remotes/origin/$branch" || exit 1
else
  echo "action-pages: no branch '$branch' on origin: making it"
  git worktree add -q --detach "$site" HEAD || exit 1
  (cd "$site" && git checkout -q --orphan "$branch" && git rm -rqf --cached . && git clean -fdxq) || exit 1
fi
mkdir -p "$site/profgate/$id"
cp -R "$out/." "$site/profgate/$id/"
rm -f "$site/profgate/$id/.status"
touch "$site/.nojekyll"  # serve the files as they are
(cd "$site" && git add -A profgate .nojekyll && git commit -q -m "profgate report of run $id") || exit 1
for attempt in $(seq 1 "${PG_PUSH_ATTEMPTS:-5}"); do
  if git -C "$site" push -q origin "HEAD:refs/heads/$branch"; then
    echo "action-pages: published the report on $branch under profgate/$id/"
    exit 0
  fi
  echo "action-pages: origin refused the push to $branch (attempt $attempt): rebasing on it and trying again"
  sleep "$((RANDOM % 3 + 1))"
  git -C "$site" fetch -q origin "+refs/heads/$branch:refs/remotes/origin/$branch" &&
    git -C "$site" rebase -q "refs/remotes/origin/$branch" || true
done
echo "::warning::profgate: could not publish the report on $branch (the token needs contents: write; see above)"
exit 0
