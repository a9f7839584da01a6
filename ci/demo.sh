#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and profiles the bundled
# example benchmarks with `profgate run`, then shows where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh build
pg=build/harness/profgate
out=profgate-out
rm -rf "$out"
"$pg" run -o "$out/bench_parse" -- build/examples/bench_parse
"$pg" run -o "$out/bench_threads-wall" --mode wall -- build/examples/bench_threads
"$pg" run -o "$out/python3" -- python3 -c 'import json; [json.loads(json.dumps(list(range(20000)))) for _ in range(200)]'
echo
echo "== hottest stacks of bench_parse (cpu.folded, samples) =="
sort -t' ' -k2 -rn "$out/bench_parse/cpu.folded" | head -5
echo
echo "== bench_threads on the wall clock (wall.folded) =="
sort -t' ' -k2 -rn "$out/bench_threads-wall/wall.folded" | head -5
echo
echo "== bench_parse: peak heap by allocating function (profile.json peak_sites) =="
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print("%10d  %s" % (s["bytes"], s["name"])) for s in d["peak_sites"][:5]]' "$out/bench_parse/profile.json"
echo
echo "== profgate record: the example suite (examples/profgate.json) as the baseline of HEAD =="
"$pg" record -c examples/profgate.json
"$pg" baseline list -c examples/profgate.json
echo
echo "== a change: EXAMPLE_SLOW=1 makes parse_field() slower; profgate check against HEAD's baseline =="
set +e
EXAMPLE_SLOW=1 "$pg" check -c examples/profgate.json --base HEAD --out profgate-report
status=$?
set -e
echo "profgate check exited $status (0 pass, 1 regression, 2 error, 3 inconclusive)"
echo
echo "== the PR comment (profgate-report/summary.md), first lines =="
head -n 25 profgate-report/summary.md
echo
for d in "$out"/*/; do
  echo "Report: file://$(cd "$d" && pwd)/report.html"
done
echo "Check report: file://$(pwd)/profgate-report/index.html"
echo "PR comment:   $(pwd)/profgate-report/summary.md"
