#!/usr/bin/env bash
# ci/valgrind.sh [BUILD_DIR]: the harness under valgrind memcheck, clean.
# Runs the `profgate` of BUILD_DIR (default build/, as ci/build.sh makes it)
# under valgrind for one `profgate run`, one `profgate record` in a throwaway
# git repository with a one-benchmark config, and one `profgate check` when
# this profgate has that command. Only profgate itself is checked
# (--trace-children=no): the profiled program runs natively with the
# collector preloaded. Fails on any memcheck error or definite leak
# (valgrind exits 99 then), and on a command that fails. Installs valgrind
# if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
profgate=$build/harness/profgate
target=$build/tests/targets/pg_ratio31
for f in "$profgate" "$target"; do
  [ -x "$f" ] || { echo "ci/valgrind.sh: $f is missing: build first (bash ci/build.sh ${1:-build})" >&2; exit 1; }
done
if ! command -v valgrind >/dev/null 2>&1; then
  echo "ci/valgrind.sh: installing valgrind"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends valgrind
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --trace-children=no --track-fds=no --num-callers=30)
failed=0

# step NAME "OK STATUSES" DIR -- COMMAND...: runs COMMAND in DIR under
# valgrind, its report in $tmp/NAME.vg; other exit statuses fail.
step() {
  local name=$1 ok=$2 dir=$3
  shift 4
  local rc=0
  (cd "$dir" && exec "${vg[@]}" --log-file="$tmp/$name.vg" "$@") >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  if [ $rc = 99 ]; then
    echo "ci/valgrind.sh: $name: memcheck found errors:"
    cat "$tmp/$name.vg"
    failed=1
  elif [[ " $ok " != *" $rc "* ]]; then
    echo "ci/valgrind.sh: $name: exit status $rc (expected one of: $ok)"
    tail -20 "$tmp/$name.err"
    failed=1
  else
    echo "ci/valgrind.sh: $name: clean (exit status $rc)"
  fi
}

step run 0 "$tmp" -- "$profgate" run -q -o "$tmp/run-out" -- "$target" 0.3

repo=$tmp/repo
mkdir -p "$repo"
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
git -C "$repo" init -q -b main
cat >"$repo/profgate.json" <<EOF
{"defaults": {"repeat": 2, "mem_repeat": 1, "warmup": 0, "timeout": 120},
 "benchmarks": [{"name": "ratio", "run": ["$target", "0.2"]}]}
EOF
git -C "$repo" add profgate.json
git -C "$repo" commit -q -m "valgrind run"
step record 0 "$repo" -- "$profgate" record

# `profgate check` is newer than this script: checked once it exists.
# Exit statuses 0, 1 and 3 are verdicts; 2 is a tool error.
if "$profgate" help 2>/dev/null | grep -qE '^  check '; then
  step check "0 1 3" "$repo" -- "$profgate" check --base HEAD --out "$tmp/report"
else
  echo "ci/valgrind.sh: check: not run (this profgate has no check command)"
fi

if [ $failed != 0 ]; then
  echo "ci/valgrind.sh: FAILED"
  exit 1
fi
echo "ci/valgrind.sh: the harness is clean under memcheck"
