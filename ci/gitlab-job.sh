#!/usr/bin/env bash
# The jobs of ci/gitlab-profgate.yml, one subcommand each, run from the
# profgate sources the job cloned (PROFGATE_REPO at PROFGATE_REF):
#
#   gitlab-job.sh install  puts profgate in $CI_PROJECT_DIR/.profgate-cache/KEY
#                          (the job's cache: built once per profgate source and
#                          image, then restored in seconds) and writes its bin/
#                          folder to /tmp/profgate-path for the job's PATH
#   gitlab-job.sh check    merge-request pipelines: the check against the target
#                          branch (ci/action-check.sh), then the MR note
#                          (ci/gitlab-note.sh) unless sharded; exits with
#                          profgate's status (3, inconclusive, is allowed to fail)
#   gitlab-job.sh record   the default branch: records the commit's baseline and
#                          pushes the notes with PROFGATE_GITLAB_TOKEN
#   gitlab-job.sh merge    after a sharded check (parallel: N): merges the shards'
#                          reports, posts the one note
#
# The variables (defaults in ci/gitlab-profgate.yml): PROFGATE_CONFIG,
# PROFGATE_STORE, PROFGATE_BUILD, PROFGATE_COMPARE, PROFGATE_BENCHMARKS,
# PROFGATE_GITLAB_TOKEN, and GitLab's own CI_* variables.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=profgate-report

# run_check: ci/action-check.sh with the job's variables; sets $status.
run_check() {
  export PG_CONFIG="${PROFGATE_CONFIG:-profgate.json}" PG_STORE="${PROFGATE_STORE:-git-notes}"
  export PG_BUILD="${PROFGATE_BUILD:-}" PG_COMPARE="${PROFGATE_COMPARE:-}" PG_BENCHMARKS="${PROFGATE_BENCHMARKS:-}"
  rm -f "$PG_OUT/.status"
  bash "$here/action-check.sh"
  status=$(cat "$PG_OUT/.status" 2>/dev/null) || status=2
}

note() {
  PG_OUT="$1" PG_STATUS="$2" bash "$here/gitlab-note.sh" || echo "profgate did not post the merge-request note (see above)"
}

case "${1:-}" in
  install)
    keys=$(mktemp)
    GITHUB_OUTPUT="$keys" bash "$here/action-install.sh" key || exit 2
    key=$(sed -n 's/^key=//p' "$keys")
    rm -f "$keys"
    cache="${CI_PROJECT_DIR:-$PWD}/.profgate-cache"
    # Trees of other profgate sources or images are dropped from the cache.
    if [ -d "$cache" ]; then
      find "$cache" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} +
    fi
    PG_TREE="$cache/$key" bash "$here/action-install.sh" install || exit 2
    echo "$cache/$key/bin" > "${PROFGATE_PATH_FILE:-/tmp/profgate-path}"
    ;;
  check)
    target="${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:?not in a merge-request pipeline}"
    export PG_BASE_REF="$target" PG_OUT="$out" PG_SHARD=""
    if [ "${CI_NODE_TOTAL:-1}" -gt 1 ]; then
      export PG_SHARD="$CI_NODE_INDEX/$CI_NODE_TOTAL" PG_OUT="profgate-shards/$CI_NODE_INDEX"
    else
      export PG_REPORT_URL="${CI_JOB_URL:+$CI_JOB_URL/artifacts/file/$out}"
    fi
    run_check
    [ -z "$PG_SHARD" ] && note "$PG_OUT" "$status"
    exit "$status"
    ;;
  record)
    : "${PROFGATE_GITLAB_TOKEN:?profgate needs PROFGATE_GITLAB_TOKEN (a project access token with the api scope) to push the baselines}"
    # The job's own token can fetch but not push: pushes go through the project token.
    git remote set-url --push origin \
      "$CI_SERVER_PROTOCOL://oauth2:$PROFGATE_GITLAB_TOKEN@$CI_SERVER_HOST:$CI_SERVER_PORT/$CI_PROJECT_PATH.git"
    export PG_RECORD=true PG_OUT="$out"
    run_check
    exit "$status"
    ;;
  merge)
    export PG_MERGE="profgate-shards/*" PG_OUT="$out" PG_REPORT_URL="${CI_JOB_URL:+$CI_JOB_URL/artifacts/file/$out}"
    run_check
    note "$out" "$status"
    exit "$status"
    ;;
  *)
    echo "usage: gitlab-job.sh install|check|record|merge" >&2
    exit 2
    ;;
esac
