#!/usr/bin/env bash
# Regenerates the pictures of the README: docs/report.png (the CPU tab of the
# report of examples/bench_parse) and docs/diff.png (the differential flame
# graph that `profgate check` draws when EXAMPLE_SLOW=1 makes parse_field()
# slower: the check of ci/demo.sh), taken with headless Chromium.
#
# Usage: docs/screenshots.sh [BUILD_DIR]   (default build; it must be built)
#
# Everything but the two PNGs is made in a temporary directory: the check runs
# in a throwaway git repository there (a baseline belongs to a commit), so the
# project's own history, notes and working tree are left alone. Timings in the
# pictures are those of the machine that runs this; the shapes are not.
# PG_CHROMIUM names another Chromium; optipng or pngquant, when installed,
# make the files smaller.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -x "$build/harness/profgate" ] || [ ! -x "$build/examples/bench_parse" ]; then
  echo "docs/screenshots.sh: no profgate or examples/bench_parse in '$build': build first (bash ci/build.sh $build)" >&2
  exit 2
fi
build=$(cd "$build" && pwd)
pg=$build/harness/profgate
chromium=${PG_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "docs/screenshots.sh: no Chromium at '$chromium' (apt-get install -y chromium, or set PG_CHROMIUM)" >&2
  exit 2
fi
docs=$(pwd)/docs
work=$(mktemp -d "${TMPDIR:-/tmp}/profgate-screenshots.XXXXXX")
trap 'rm -rf "$work"' EXIT

# shot URL PNG WIDTH HEIGHT: one screenshot, with a fresh profile and nothing
# that talks to the network.
shot() {
  local profile
  profile=$(mktemp -d "$work/chromium.XXXXXX")
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --screenshot="$2" \
    --window-size="$3,$4" "$1" > "$work/chromium.log" 2>&1 || {
      echo "docs/screenshots.sh: Chromium failed on $1:" >&2
      tail -n 5 "$work/chromium.log" >&2
      exit 2
    }
  [ -s "$2" ] || { echo "docs/screenshots.sh: Chromium wrote no '$2'" >&2; exit 2; }
}

shrink() {
  if command -v pngquant > /dev/null; then
    pngquant --force --skip-if-larger --quality 80-95 --output "$1" -- "$1" || true
  fi
  if command -v optipng > /dev/null; then
    optipng -quiet -o2 "$1"
  fi
}

# 1. The report of a profile, as ci/demo.sh makes it (run from the build
#    directory, so that the report names the program examples/bench_parse).
echo "== profgate run -- examples/bench_parse"
(cd "$build" && "$pg" run -q -o "$work/bench_parse" -- examples/bench_parse > /dev/null)
shot "file://$work/bench_parse/report.html" "$work/report.png" 1200 400

# 2. The check of ci/demo.sh: the baseline of a commit, then EXAMPLE_SLOW=1.
echo "== profgate record, then EXAMPLE_SLOW=1 profgate check (examples/bench_parse)"
repo=$work/repo
mkdir "$repo"
git -C "$repo" init -q
# A fixed date gives the same commit id, shown in the diff's title, each time.
GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" \
  git -C "$repo" -c user.name=profgate -c user.email=profgate@localhost \
  commit -q --allow-empty -m "screenshots"
cat > "$repo/profgate.json" <<EOF
{
  "store": "baselines",
  "defaults": {"repeat": 5, "mem_repeat": 1, "warmup": 1, "timeout": 120},
  "benchmarks": [
    {"name": "parse", "run": ["$build/examples/bench_parse", "400000"], "env": {"LC_ALL": "C"}}
  ]
}
EOF
"$pg" record -q -c "$repo/profgate.json"
set +e
EXAMPLE_SLOW=1 "$pg" check -q -c "$repo/profgate.json" --base HEAD --out "$work/report" > /dev/null
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "docs/screenshots.sh: expected profgate check to report the regression (exit 1), got $status" >&2
  exit 2
fi
shot "file://$work/report/parse/diff-cpu.html" "$work/diff.png" 1200 800

mkdir -p "$docs"
for f in report diff; do
  shrink "$work/$f.png"
  cp "$work/$f.png" "$docs/$f.png"
  echo "docs/$f.png: $(stat -c %s "$docs/$f.png") bytes"
done
