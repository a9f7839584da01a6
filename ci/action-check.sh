#!/usr/bin/env bash
# Step of ci/action.yml (and usable from any CI): runs `profgate check` with
# the PG_* variables as options (with PG_MERGE, `profgate merge-reports` of
# the shard report directories it names; with PG_RECORD=true, `profgate
# record` and a push of the baseline), and leaves the exit status as
# `status=N` in $GITHUB_OUTPUT (in $PG_OUT/.status outside GitHub Actions)
# instead of failing here, so that the report is uploaded and the comment
# posted before ci/action-verdict.sh decides. Its other outputs: exit-code
# (the same number), verdict (passed, regressed, error, inconclusive),
# report-dir and summary-path (absolute; summary-path empty when no
# summary.md was written), report-url (where the report is published, or
# nothing), and the name to upload the report under (`artifact=`): one per
# shard, since a workflow run cannot hold two artifacts of the same name and
# an artifact name cannot hold '/'.
#
# What it takes care of, so that a workflow needs no git steps of its own:
# - the base: PG_BASE, else origin/PG_BASE_REF (the pull request's target
#   branch, github.base_ref), fetched when the clone lacks it; else the
#   config's "base".
# - the history: a shallow clone (actions/checkout's default, depth 1) is
#   unshallowed before a check: the baseline is looked up from the merge-base.
# - the baselines of a git-notes store: fetched from origin when the clone
#   does not have them (check), or always (record: the new note goes on top
#   of origin's). A record's push that loses a race with another job's is
#   retried: origin's notes are fetched again, this commit's note merged into
#   them (benchmark by benchmark, ours replacing theirs), and pushed again.
#
#   PG_CONFIG      profgate.json (default)
#   PG_BASE        --base REV
#   PG_BASE_REF    the pull request's target branch: the base is origin/PG_BASE_REF when PG_BASE is empty
#   PG_STORE       --store SPEC (default: the config's "store")
#   PG_REPORT_URL  --report-url URL
#   PG_PAGES_URL   when PG_REPORT_URL is empty: the report's URL is PG_PAGES_URL/RUN_ID-ATTEMPT,
#                  where ci/action-pages.sh publishes it
#   PG_BENCHMARKS  benchmark names, separated by spaces
#   PG_SHARD       K/N
#   PG_OUT         the report directory (default profgate-report)
#   PG_MERGE       shard report directories, separated by spaces (patterns
#                  such as 'shards/*' are expanded): merge them into PG_OUT
#                  instead of running the benchmarks
#   PG_RECORD      true: record the baseline of HEAD instead, and push it
#                  when the store is git-notes
#   PG_BUILD       a shell command run first (check and record), e.g. `make bench`;
#                  its failure is an error (2)
#   PG_COMPARE     interleaved or baseline: --compare, passed only when set
#                  (the interleaved comparison of base and head in one job)
#   PG_FORK        true: a pull request from a fork, whose token cannot comment: the
#                  job summary says where the report is
#   PG_PUSH_ATTEMPTS  tries of the notes push (default 5)
set -uo pipefail
out="${PG_OUT:-profgate-report}"
config="${PG_CONFIG:-profgate.json}"
artifact=profgate-report
record=false
[ "${PG_RECORD:-false}" = true ] && record=true

# The notes ref of a git-notes store (PG_STORE, else the config's), or nothing.
notes_ref() {
  local store="${PG_STORE:-}"
  if [ -z "$store" ] && [ -f "$config" ]; then
    store=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("store", ""))' "$config") || store=""
  fi
  case "$store" in
    git-notes) echo refs/notes/profgate ;;
    git-notes:*) echo "${store#git-notes:}" ;;
  esac
}
ref=""
[ -z "${PG_MERGE:-}" ] && ref=$(notes_ref)
if [ -n "$ref" ]; then
  if [ "$record" = true ]; then
    git fetch -q origin "+$ref:$ref" || echo "action-check: no baselines in $ref on origin yet"
  elif ! git rev-parse -q --verify "$ref^{commit}" > /dev/null; then
    git fetch -q origin "$ref:$ref" || echo "action-check: no baselines in $ref on origin"
  fi
fi

# The base, and the history back to it.
base="${PG_BASE:-}"
if [ -z "${PG_MERGE:-}" ] && [ "$record" = false ]; then
  if [ -z "$base" ] && [ -n "${PG_BASE_REF:-}" ]; then
    base="origin/$PG_BASE_REF"
  fi
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    echo "action-check: the clone is shallow: fetching its history (fetch-depth: 0 on actions/checkout saves this)"
    git fetch -q --unshallow origin || echo "action-check: could not fetch the history of the clone"
  fi
  if [ -n "${PG_BASE_REF:-}" ] && [ "$base" = "origin/$PG_BASE_REF" ] &&
     ! git rev-parse -q --verify "$base^{commit}" > /dev/null; then
    git fetch -q origin "+refs/heads/$PG_BASE_REF:refs/remotes/origin/$PG_BASE_REF" ||
      echo "action-check: cannot fetch the base branch '$PG_BASE_REF' from origin"
  fi
fi

report_url="${PG_REPORT_URL:-}"
if [ -z "$report_url" ] && [ -n "${PG_PAGES_URL:-}" ] && [ -z "${PG_SHARD:-}" ] && [ "$record" = false ]; then
  report_url="${PG_PAGES_URL%/}/${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}"
fi

if [ -n "${PG_MERGE:-}" ]; then
  args=(merge-reports --out "$out")
  [ -n "$report_url" ] && args+=(--report-url "$report_url")
  shopt -s nullglob
  dirs=()
  for pattern in $PG_MERGE; do
    # shellcheck disable=SC2206 # the pattern is meant to be expanded here
    matches=($pattern)
    if [ "${#matches[@]}" -eq 0 ]; then
      echo "action-check: no shard report directory matches '$pattern'" >&2
    fi
    dirs+=("${matches[@]}")
  done
  shopt -u nullglob
  args+=("${dirs[@]}")
elif [ "$record" = true ]; then
  args=(record -c "$config")
  [ -n "${PG_STORE:-}" ] && args+=(--store "$PG_STORE")
  read -ra benchmarks <<< "${PG_BENCHMARKS:-}"
  for b in "${benchmarks[@]}"; do args+=(--bench "$b"); done
else
  args=(check -c "$config" --out "$out")
  [ -n "$base" ] && args+=(--base "$base")
  [ -n "${PG_STORE:-}" ] && args+=(--store "$PG_STORE")
  [ -n "$report_url" ] && args+=(--report-url "$report_url")
  [ -n "${PG_COMPARE:-}" ] && args+=(--compare "$PG_COMPARE")
  if [ -n "${PG_SHARD:-}" ]; then
    args+=(--shard "$PG_SHARD")
    # "2/4" -> "profgate-report-2-of-4"
    artifact="profgate-report-${PG_SHARD%%/*}-of-${PG_SHARD#*/}"
  fi
  read -ra benchmarks <<< "${PG_BENCHMARKS:-}"
  for b in "${benchmarks[@]}"; do args+=(--bench "$b"); done
fi

status=0
if [ -n "${PG_BUILD:-}" ] && [ -z "${PG_MERGE:-}" ]; then
  echo "action-check: building the benchmarks: $PG_BUILD"
  bash -c "$PG_BUILD" || { echo "::error::profgate: the build command failed (exit $?): $PG_BUILD"; status=2; }
fi
if [ "$status" = 0 ]; then
  echo "action-check: profgate ${args[*]}"
  profgate "${args[@]}"
  status=$?
  echo "profgate ${args[0]} exited $status"
fi

# merge_note OURS THEIRS: this commit's note holding the benchmarks of both,
# ours replacing theirs of the same name (to stdout).
merge_note() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    ours = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    theirs = json.load(f)
merged = dict(theirs.get("benchmarks") or {})
merged.update(ours["benchmarks"])
ours["benchmarks"] = merged
json.dump(ours, sys.stdout, indent=1)
sys.stdout.write("\n")
EOF
}

# push_notes: pushes $ref to origin; when another job pushed first (the push
# is not a fast-forward), takes origin's notes, puts this commit's note back
# in, and tries again.
push_notes() {
  local attempt note tmp rc=1
  tmp=$(mktemp -d)
  if git notes --ref "$ref" show HEAD > "$tmp/ours.json"; then
    for attempt in $(seq 1 "${PG_PUSH_ATTEMPTS:-5}"); do
      if git push -q origin "$ref"; then
        rc=0
        break
      fi
      echo "action-check: origin refused the push of $ref (attempt $attempt): merging its notes and trying again"
      sleep "$((RANDOM % 3 + 1))"
      git fetch -q origin "+$ref:$ref" || continue
      note="$tmp/ours.json"
      if git notes --ref "$ref" show HEAD > "$tmp/theirs.json" 2>/dev/null; then
        merge_note "$tmp/ours.json" "$tmp/theirs.json" > "$tmp/merged.json" || continue
        note="$tmp/merged.json"
      fi
      # A runner has no git identity: the notes commit gets one of its own.
      GIT_AUTHOR_NAME=profgate GIT_AUTHOR_EMAIL=profgate@localhost \
      GIT_COMMITTER_NAME=profgate GIT_COMMITTER_EMAIL=profgate@localhost \
        git notes --ref "$ref" add -f -F "$note" HEAD || continue
    done
  fi
  rm -rf "$tmp"
  return "$rc"
}

if [ "$record" = true ] && [ "$status" = 0 ] && [ -n "$ref" ]; then
  if push_notes; then
    echo "action-check: pushed the baseline to origin's $ref"
  else
    echo "::error::profgate: the baseline was recorded but not pushed to $ref (the token needs contents: write; two jobs pushing at once need a concurrency group)"
    status=2
  fi
fi

case "$status" in
  0) verdict=passed ;;
  1) verdict=regressed ;;
  3) verdict=inconclusive ;;
  *) verdict=error ;;
esac
case "$out" in
  /*) report_dir="$out" ;;
  *) report_dir="$(pwd)/$out" ;;
esac
summary_path=""
[ -f "$report_dir/summary.md" ] && summary_path="$report_dir/summary.md"
if [ "${PG_FORK:-false}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo
    echo "> **profgate**: this pull request comes from a fork, whose token cannot comment on it:"
    echo "> the verdict ($verdict) is in this summary, the whole report in the artifact \`$artifact\` of this run."
  } >> "$GITHUB_STEP_SUMMARY"
  echo "::notice::profgate: a pull request from a fork gets no comment: the verdict ($verdict) is in the job summary, the report in the artifact $artifact"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "status=$status"
    echo "exit-code=$status"
    echo "verdict=$verdict"
    echo "report-dir=$report_dir"
    echo "summary-path=$summary_path"
    echo "report-url=$report_url"
    echo "artifact=$artifact"
  } >> "$GITHUB_OUTPUT"
else
  mkdir -p "$out" && echo "$status" > "$out/.status"
fi
exit 0
