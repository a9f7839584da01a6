#!/usr/bin/env bash
# Step of ci/action.yml (and usable from any CI): runs `profgate check` with
# the PG_* variables as options (with PG_MERGE, `profgate merge-reports` of
# the shard report directories it names; with PG_RECORD=true, `profgate
# record` and a push of the baseline), and leaves the exit status as
# `status=N` in $GITHUB_OUTPUT (in $PG_OUT/.status outside GitHub Actions)
# instead of failing here, so that the report is uploaded and the comment
# posted before ci/action-verdict.sh decides. It also gives the name to upload
# the report under (`artifact=`): one per shard, since a workflow run cannot
# hold two artifacts of the same name and an artifact name cannot hold '/'.
#
# With a git-notes store, the baselines are fetched from origin when the
# clone does not have them (check), or always (record: the new note must go
# on top of origin's, so that the push is a fast-forward).
#
#   PG_CONFIG      profgate.json (default)
#   PG_BASE        --base REV
#   PG_STORE       --store SPEC (default: the config's "store")
#   PG_REPORT_URL  --report-url URL
#   PG_BENCHMARKS  benchmark names, separated by spaces
#   PG_SHARD       K/N
#   PG_OUT         the report directory (default profgate-report)
#   PG_MERGE       shard report directories, separated by spaces (patterns
#                  such as 'shards/*' are expanded): merge them into PG_OUT
#                  instead of running the benchmarks
#   PG_RECORD      true: record the baseline of HEAD instead, and push it
#                  when the store is git-notes
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

if [ -n "${PG_MERGE:-}" ]; then
  args=(merge-reports --out "$out")
  [ -n "${PG_REPORT_URL:-}" ] && args+=(--report-url "$PG_REPORT_URL")
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
  [ -n "${PG_BASE:-}" ] && args+=(--base "$PG_BASE")
  [ -n "${PG_STORE:-}" ] && args+=(--store "$PG_STORE")
  [ -n "${PG_REPORT_URL:-}" ] && args+=(--report-url "$PG_REPORT_URL")
  if [ -n "${PG_SHARD:-}" ]; then
    args+=(--shard "$PG_SHARD")
    # "2/4" -> "profgate-report-2-of-4"
    artifact="profgate-report-${PG_SHARD%%/*}-of-${PG_SHARD#*/}"
  fi
  read -ra benchmarks <<< "${PG_BENCHMARKS:-}"
  for b in "${benchmarks[@]}"; do args+=(--bench "$b"); done
fi

profgate "${args[@]}"
status=$?
echo "profgate ${args[0]} exited $status"
if [ "$record" = true ] && [ "$status" = 0 ] && [ -n "$ref" ]; then
  if git push origin "$ref"; then
    echo "action-check: pushed the baseline to origin's $ref"
  else
    echo "::error::profgate: the baseline was recorded but not pushed to $ref (the token needs contents: write; two jobs pushing at once need a concurrency group)"
    status=2
  fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "status=$status"; echo "artifact=$artifact"; } >> "$GITHUB_OUTPUT"
else
  mkdir -p "$out" && echo "$status" > "$out/.status"
fi
exit 0
